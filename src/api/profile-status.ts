import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";

export const SEVERITIES = ["error", "warning", "info"] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export const FindingSchema = z
  .object({
    rule: z.string().max(128).describe("Stable identifier of the lint rule, e.g. SCP001."),
    severity: SeveritySchema.describe("error, warning or info."),
    message: z.string().max(4096).describe("What was found."),
    hint: z.string().max(1024).optional().describe("How to fix it, in one line."),
    path: z.string().max(512).optional().describe("The field the finding is about, e.g. spec.syscalls[0].names[3]."),
  })
  .describe("A lint finding about the profile or the workloads that use it.");
export type Finding = z.infer<typeof FindingSchema>;

export const NodeFailureSchema = z
  .object({
    node: z.string().max(253).describe("Node name."),
    reason: z.string().max(4096).describe("Why the profile is not installed there."),
  })
  .describe("A node where the current profile is not installed.");

export const NodesSummarySchema = z
  .object({
    installed: z.number().int().min(0).describe("Live nodes with the current hash installed."),
    total: z.number().int().min(0).describe("Live nodes running an agent."),
    summary: z.string().max(32).optional().describe("installed/total, for printing."),
    failing: z.array(NodeFailureSchema).max(100).optional().describe("Nodes that reported a failure, first 100."),
    stale: z
      .array(z.string().max(253))
      .max(100)
      .optional()
      .describe("Nodes whose agent stopped reporting (heartbeat too old), first 100; they are not counted in total."),
  })
  .describe("Where the current profile is installed.");

export const WorkloadRefSchema = z
  .object({
    kind: z.string().max(64).describe("Workload kind, e.g. Deployment."),
    namespace: z.string().max(63).describe("Workload namespace."),
    name: z.string().max(253).describe("Workload name."),
    containers: z.array(z.string().max(63)).max(64).optional().describe("Containers that run under this profile."),
  })
  .describe("A workload whose containers reference this profile.");

export const ProfileStatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe("The generation this status was computed from."),
    conditions: ConditionsSchema.optional(),
    hash: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .optional()
      .describe("sha256 of the canonical rendered profile: the bytes every node writes."),
    localhostProfile: z
      .string()
      .max(1024)
      .optional()
      .describe("The stable path to put in securityContext.seccompProfile.localhostProfile."),
    nodes: NodesSummarySchema.optional(),
    hashesInUse: z
      .array(z.string().regex(/^[a-f0-9]{64}$/))
      .max(64)
      .optional()
      .describe("Hashes of this profile that pod templates or pods still name in their pinned paths; node agents keep those files."),
    usedBy: z.array(WorkloadRefSchema).max(256).optional().describe("Workloads that reference this profile, first 256."),
    findings: z.array(FindingSchema).max(256).optional().describe("Lint findings, first 256."),
  })
  .describe("The observed state of the profile, written by the controller.");
export type ProfileStatus = z.infer<typeof ProfileStatusSchema>;
