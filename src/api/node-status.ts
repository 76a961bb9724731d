import { z } from "zod";
import { API_VERSION, NODE_STATUS_KIND } from "./names.js";
import { CONTRIBUTION_BYTES, DIGEST_BUCKETS, DIGEST_TEXT_LENGTH } from "./install-digest.js";
import { FAILURE_TEXT_MAX_LENGTH, MARK_BYTES } from "./failure-digest.js";
import { ObjectMetaSchema } from "./object-meta.js";

/** Failures a node lists; the rest are counted. */
export const MAX_NODE_FAILURES = 64;
/** Longest failure reason in a node's status. */
export const MAX_NODE_FAILURE_REASON = 1024;

export const ProfileFailureSchema = z
  .object({
    profile: z.string().max(317).describe("namespace/name of the profile."),
    hash: z.string().max(64).optional().describe("The hash that could not be installed, when known."),
    reason: z.string().max(MAX_NODE_FAILURE_REASON).describe("Why it could not be installed."),
  })
  .describe("A profile this node could not install.");

export const NodeReportSchema = z
  .object({
    agentVersion: z.string().max(64).describe("Version of the node agent."),
    heartbeatTime: z
      .string()
      .meta({ format: "date-time" })
      .optional()
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
    scope: z
      .object({
        namespace: z.string().max(63).optional().describe("The only namespace (besides the catalogue's) whose profiles this agent installs; absent: all."),
      })
      .optional()
      .describe("Which profiles this agent installs."),
    installed: z
      .object({
        saltId: z
          .string()
          .regex(/^[0-9a-f]{16}$/)
          .optional()
          .describe('Which salt places profiles in buckets: the first 16 hex digits of sha256("salt-id\\n" + salt). A controller with another salt confirms nothing from these digests.'),
        count: z.number().int().min(0).describe("Profiles installed at the hash of their current, valid object."),
        digests: z
          .string()
          .max(DIGEST_TEXT_LENGTH)
          .describe(
            `Base64 of ${DIGEST_BUCKETS} buckets of ${CONTRIBUTION_BYTES} bytes: each the XOR of sha256("<namespace>/<name>\\n<hash>")[0:${CONTRIBUTION_BYTES}] over the installed profiles whose key falls in it (HMAC-SHA256 of the key, keyed by the cluster's secret salt, [0:4] as a big-endian number, modulo ${DIGEST_BUCKETS}). Fixed size whatever the number of profiles.`,
          ),
      })
      .optional()
      .describe("What this node has installed, as per-bucket digests the controller checks against the hashes it expects."),
    failures: z
      .array(ProfileFailureSchema)
      .max(MAX_NODE_FAILURES)
      .optional()
      .describe(`Profiles this node could not install, at most ${MAX_NODE_FAILURES}: failed writes first, then invalid profiles, taking each namespace in turn.`),
    failuresOmitted: z.number().int().min(0).optional().describe("Failures left out of the list above."),
    failedBuckets: z
      .string()
      .max(FAILURE_TEXT_MAX_LENGTH)
      .optional()
      .describe(
        `Every failure, listed or not, per digest bucket: base64 of one entry per bucket holding failures, in bucket order: the bucket (2 bytes), the number of failed profiles in it (4 bytes) and the XOR of sha256("failed\\n<namespace>/<name>") (${MARK_BYTES} bytes) over them, big-endian.`,
      ),
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
