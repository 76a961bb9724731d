import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";

// Bounds of every list and text in a profile's status, chosen so that the worst case of all of
// them together stays far below the API server's object size limit; what does not fit is
// counted in status.omitted.
export const MAX_FINDINGS = 100;
export const MAX_FINDING_MESSAGE = 1024;
export const MAX_FINDING_HINT = 256;
export const MAX_FINDING_PATH = 256;
export const MAX_USED_BY = 100;
export const MAX_CONTAINERS_LISTED = 16;
export const MAX_NODES_LISTED = 100;
export const MAX_NODE_REASON = 1024;
export const MAX_HASHES_IN_USE = 64;

export const SEVERITIES = ["error", "warning", "info"] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export const FindingSchema = z
  .object({
    rule: z.string().max(128).describe("Stable identifier of the lint rule, e.g. SCP001."),
    severity: SeveritySchema.describe("error, warning or info."),
    message: z.string().max(MAX_FINDING_MESSAGE).describe("What was found."),
    hint: z.string().max(MAX_FINDING_HINT).optional().describe("How to fix it, in one line."),
    path: z.string().max(MAX_FINDING_PATH).optional().describe("The field the finding is about, e.g. spec.syscalls[0].names[3]."),
  })
  .describe("A lint finding about the profile or the workloads that use it.");
export type Finding = z.infer<typeof FindingSchema>;

export const NodeFailureSchema = z
  .object({
    node: z.string().max(253).describe("Node name."),
    reason: z.string().max(MAX_NODE_REASON).describe("Why the profile is not installed there."),
  })
  .describe("A node where the current profile is not installed.");

export const NodesSummarySchema = z
  .object({
    installed: z.number().int().min(0).describe("Live nodes with the current hash installed."),
    total: z.number().int().min(0).describe("Live nodes running an agent."),
    summary: z.string().max(32).optional().describe("installed/total, for printing."),
    failing: z.array(NodeFailureSchema).max(MAX_NODES_LISTED).optional().describe(`Nodes that reported a failure, first ${MAX_NODES_LISTED}.`),
    stale: z
      .array(z.string().max(253))
      .max(MAX_NODES_LISTED)
      .optional()
      .describe("Nodes whose agent stopped reporting (heartbeat too old), first 100; they are not counted in total."),
  })
  .describe("Where the current profile is installed.");

export const WorkloadRefSchema = z
  .object({
    kind: z.string().max(64).describe("Workload kind, e.g. Deployment."),
    namespace: z.string().max(63).describe("Workload namespace."),
    name: z.string().max(253).describe("Workload name."),
    containers: z.array(z.string().max(63)).max(MAX_CONTAINERS_LISTED).optional().describe(`Containers that run under this profile, first ${MAX_CONTAINERS_LISTED}.`),
    containersOmitted: z.number().int().min(0).optional().describe("Containers left out of the list above."),
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
      .max(MAX_HASHES_IN_USE)
      .optional()
      .describe("Hashes of this profile that pod templates or pods still name in their pinned paths; node agents keep those files."),
    usedBy: z.array(WorkloadRefSchema).max(MAX_USED_BY).optional().describe(`Workloads that reference this profile, first ${MAX_USED_BY}.`),
    findings: z.array(FindingSchema).max(MAX_FINDINGS).optional().describe(`Lint findings, errors first, first ${MAX_FINDINGS}.`),
    omitted: z
      .object({
        findings: z.number().int().min(0).optional().describe("Findings not listed."),
        usedBy: z.number().int().min(0).optional().describe("Workloads not listed in usedBy."),
        failingNodes: z.number().int().min(0).optional().describe("Failing nodes not listed in nodes.failing."),
        staleNodes: z.number().int().min(0).optional().describe("Stale nodes not listed in nodes.stale."),
        hashesInUse: z.number().int().min(0).optional().describe("Hashes in use not listed in hashesInUse (nodes do not keep their files)."),
      })
      .optional()
      .describe("What did not fit in the lists above, counted; absent when everything is listed."),
  })
  .describe("The observed state of the profile, written by the controller.");
export type ProfileStatus = z.infer<typeof ProfileStatusSchema>;
