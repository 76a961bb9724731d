import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";
import { API_VERSION, RECORDING_KIND } from "./names.js";
import { ObjectMetaSchema } from "./object-meta.js";
import { DNS_SUBDOMAIN_PATTERN } from "./profile-spec.js";

// Bounds of the recording's lists, so its status always fits whatever it records; what does not
// fit is counted in status.omitted.
export const MAX_RECORDED_CONTAINERS = 16;
export const MAX_RECORDED_WORKLOADS = 16;
export const MAX_RECORDING_MESSAGE = 1024;

/** On a recording: a person's approval of a held switch, its value the token the SwitchHeld condition names. */
export const APPROVE_SWITCH_ANNOTATION = "seccomp.operator.dev/approve-switch";

/** Kinds whose pod template can change, so that they can move to the audit profile and back. A Job's cannot. */
export const RECORDABLE_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"] as const;
export type RecordableKind = (typeof RECORDABLE_KINDS)[number];

/** A Go-style duration of hours, minutes and seconds, e.g. 90s, 10m, 1h30m. */
export const DURATION_PATTERN = /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/;

const CONTAINER_NAME = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

export const RecordingSpecSchema = z
  .strictObject({
    workloadRef: z
      .strictObject({
        kind: z.enum(RECORDABLE_KINDS).describe("Deployment, StatefulSet, DaemonSet, ReplicaSet or CronJob (a Job's pod template cannot change)."),
        name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN_PATTERN).describe("The workload's name, in the recording's namespace."),
      })
      .optional()
      .describe("The workload to record, in the recording's namespace. Exactly one of workloadRef and podSelector."),
    podSelector: z
      .strictObject({
        matchLabels: z
          .record(z.string().max(317), z.string().max(63))
          .describe("Labels the pods must all carry; the workloads that own such pods are recorded."),
      })
      .optional()
      .describe("Records the workloads (in the recording's namespace) that own the pods with these labels. Exactly one of workloadRef and podSelector."),
    containers: z
      .array(CONTAINER_NAME)
      .max(MAX_RECORDED_CONTAINERS)
      .optional()
      .describe("Containers (or init containers) to record; absent: every container and init container of the pod template."),
    duration: z
      .string()
      .max(32)
      .regex(DURATION_PATTERN)
      .optional()
      .describe("How long to record from the start, e.g. 10m or 1h30m; absent: until spec.stop is true or the recording is deleted."),
    stop: z.boolean().optional().describe("Set to true to end the recording now; the result is written and the workload moves on."),
    baseProfileName: z
      .string()
      .max(250)
      .regex(DNS_SUBDOMAIN_PATTERN)
      .optional()
      .describe(
        "A SeccompProfile (this namespace, then the catalogue) that the results extend: what it allows is neither logged nor recorded, and each result names it as its baseProfileName, with only what it lacks.",
      ),
    switchToResult: z
      .boolean()
      .optional()
      .describe(
        `When the recording completes, move the recorded containers to their result profiles (through the same gated rollout as any profile); otherwise they go back to what they ran before. The move waits for a person when a node lost records (the results may lack calls) or a result allows a call lint rule SCP002 calls dangerous (mount, ptrace, bpf...): the workloads go back meanwhile, condition SwitchHeld is True and an Event says why; annotating the recording with ${APPROVE_SWITCH_ANNOTATION}=<the token SwitchHeld names> moves them.`,
      ),
    quietAfterSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .optional()
      .describe(
        "Every this many seconds (default 60; 0: never), syscalls already recorded are let through unlogged by an updated audit profile, so the audit log carries each call only until the next update. Each update is a rollout of the workload.",
      ),
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "has(self.workloadRef) != has(self.podSelector)", message: "exactly one of workloadRef and podSelector must be set" },
      { rule: "!has(self.podSelector) || size(self.podSelector.matchLabels) > 0", message: "podSelector.matchLabels must name at least one label", fieldPath: ".podSelector" },
    ],
  })
  .describe("What to record, for how long, and what to do with the result.");
export type RecordingSpec = z.infer<typeof RecordingSpecSchema>;

export const RecordedContainerSchema = z
  .object({
    name: z.string().max(63).describe("Container name."),
    syscalls: z.number().int().min(0).describe("Distinct syscalls (per architecture) recorded so far, besides what the base profile allows."),
    pods: z.number().int().min(0).describe("Pods whose records of this container reached a report."),
    nodes: z.number().int().min(0).describe("Nodes that reported this container."),
    auditProfile: z.string().max(253).describe("The audit-mode profile (defaultAction SCMP_ACT_LOG) the container runs under while recording."),
    resultProfile: z.string().max(253).optional().describe("The profile written from what was recorded, once the recording completed."),
  })
  .describe("What was recorded of one container, over every pod and node.");
export type RecordedContainer = z.infer<typeof RecordedContainerSchema>;

export const RecordingStatusSchema = z
  .object({
    observedGeneration: z.number().int().min(0).optional().describe("The generation this status was computed from."),
    conditions: ConditionsSchema.optional().describe(
        "Recording (the containers run under their audit profiles), Completed (the results are written) and, once they are, SwitchHeld (True: a move to the results, with switchToResult set now or later, waits for a person's approval).",
      ),
    startTime: z.string().meta({ format: "date-time" }).optional().describe("When recording started: the audit profiles were first applied."),
    completionTime: z.string().meta({ format: "date-time" }).optional().describe("When the results were written."),
    workloads: z
      .array(z.string().max(320))
      .max(MAX_RECORDED_WORKLOADS)
      .optional()
      .describe(`Workloads recorded, as Kind/name, first ${MAX_RECORDED_WORKLOADS}.`),
    containers: z.array(RecordedContainerSchema).max(MAX_RECORDED_CONTAINERS).optional().describe(`Per container, first ${MAX_RECORDED_CONTAINERS}.`),
    resultProfiles: z
      .array(z.string().max(253))
      .max(MAX_RECORDED_CONTAINERS)
      .optional()
      .describe("The SeccompProfiles written from the recording, one per container, in this namespace."),
    unattributed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Seccomp audit records on the recording's nodes, while it ran, that could not be tied to any container (a process gone before it was seen); they may hold calls the results lack."),
    lost: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Audit records the nodes know were dropped before they could be read (the kernel log's rate limit, gaps in the audit serial numbers)."),
    summary: z.string().max(64).optional().describe("Containers and syscalls recorded so far, for printing."),
    omitted: z
      .object({
        workloads: z.number().int().min(0).optional().describe("Workloads not listed."),
        containers: z.number().int().min(0).optional().describe("Containers not listed (nor recorded)."),
      })
      .optional()
      .describe("What did not fit in the lists above, counted; absent when everything is listed."),
  })
  .describe("The observed state of the recording, written by the controller.");
export type RecordingStatus = z.infer<typeof RecordingStatusSchema>;

/**
 * A recording: the selected containers run under an audit-mode profile while node recorders
 * collect the calls they make; then one SeccompProfile per container allows exactly those.
 */
export const SeccompProfileRecordingSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(RECORDING_KIND),
  metadata: ObjectMetaSchema,
  spec: RecordingSpecSchema,
  status: RecordingStatusSchema.optional(),
});
export type SeccompProfileRecording = z.infer<typeof SeccompProfileRecordingSchema>;

/** Seconds in a duration of DURATION_PATTERN; undefined when it is not one (or is empty). */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === "") return undefined;
  const part = (m: string | undefined) => (m === undefined ? 0 : Number(m.slice(0, -1)));
  return part(match[1]) * 3600 + part(match[2]) * 60 + part(match[3]);
}
