import { z } from "zod";
import { API_VERSION, NODE_STATUS_KIND } from "./names.js";
import { ObjectMetaSchema } from "./object-meta.js";

export const ProfileFailureSchema = z
  .object({
    profile: z.string().max(317).describe("namespace/name of the profile."),
    hash: z.string().max(64).optional().describe("The hash that could not be installed, when known."),
    reason: z.string().max(4096).describe("Why it could not be installed."),
  })
  .describe("A profile this node could not install.");

export const NodeReportSchema = z
  .object({
    agentVersion: z.string().max(64).describe("Version of the node agent."),
    heartbeatTime: z
      .string()
      .meta({ format: "date-time" })
      .describe("Last time the agent reported; the controller treats an old heartbeat as a dead agent."),
    kernel: z
      .object({
        release: z.string().max(256).optional().describe("Kernel release (uname -r)."),
        actionsAvail: z
          .array(z.string().max(32))
          .max(32)
          .optional()
          .describe("Seccomp actions the kernel supports (/proc/sys/kernel/seccomp/actions_avail)."),
      })
      .optional()
      .describe("What the node's kernel supports."),
    profiles: z
      .record(z.string().max(317), z.string().max(64))
      .optional()
      .describe("Installed profiles: namespace/name to the sha256 of the installed bytes."),
    failures: z.array(ProfileFailureSchema).max(1000).optional().describe("Profiles this node could not install."),
  })
  .describe("What one node's agent has installed, written only by that agent.");
export type NodeReport = z.infer<typeof NodeReportSchema>;

export const SeccompNodeStatusSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(NODE_STATUS_KIND),
  metadata: ObjectMetaSchema,
  status: NodeReportSchema.optional(),
});
export type SeccompNodeStatus = z.infer<typeof SeccompNodeStatusSchema>;
