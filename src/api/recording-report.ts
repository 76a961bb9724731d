import { createHash } from "node:crypto";
import { z } from "zod";
import { API_VERSION, RECORDING_REPORT_KIND } from "./names.js";
import { ObjectMetaSchema } from "./object-meta.js";
import { MAX_RECORDED_CONTAINERS } from "./profile-recording.js";
import { ArchitectureSchema, SYSCALL_NAME_PATTERN } from "./profile-spec.js";
import { ARCHITECTURE_TOKENS } from "./seccomp-vocabulary.js";

/** More names than any architecture has syscalls: a report never needs more. */
export const MAX_REPORTED_NAMES = 1024;

export const ReportedContainerSchema = z
  .object({
    name: z.string().max(63).describe("Container name."),
    pods: z.number().int().min(0).describe("Pods on this node whose records of the container were read."),
    records: z.number().int().min(0).describe("Audit records read of this container."),
    syscalls: z
      .array(
        z
          .object({
            architecture: ArchitectureSchema.describe("The ABI of the calls."),
            names: z.array(z.string().regex(SYSCALL_NAME_PATTERN)).max(MAX_REPORTED_NAMES).describe("Syscalls called on this ABI, sorted."),
          })
          .describe("The syscalls seen on one ABI."),
      )
      .max(ARCHITECTURE_TOKENS.length)
      .describe("The distinct syscalls seen, per ABI: what the audit profile logged."),
    unknown: z.number().int().min(0).optional().describe("Records whose architecture or syscall number the syscall tables do not know."),
  })
  .describe("What one container of the recording called on this node, over its pods.");
export type ReportedContainer = z.infer<typeof ReportedContainerSchema>;

export const RecordingReportSpecSchema = z
  .object({
    recording: z.string().max(63).describe("The SeccompProfileRecording (in this namespace) this report is for."),
    recordingUID: z.string().max(64).describe("Its uid: a report of an earlier recording of the same name does not count."),
    nodeName: z.string().max(253).describe("The node whose recorder wrote this report."),
    source: z.enum(["audit-log", "kernel-log"]).describe("Where the recorder reads audit records: auditd's log, or the kernel log (rate-limited)."),
    containers: z.array(ReportedContainerSchema).max(MAX_RECORDED_CONTAINERS).describe("Per container of the recording."),
    unattributed: z
      .number()
      .int()
      .min(0)
      .describe("Seccomp records on this node, since the recording started here, whose process was gone before the recorder could tell its container."),
    lost: z.number().int().min(0).describe("Records this node knows were dropped before it read them (the kernel log's rate limit, gaps in audit serial numbers)."),
    updateTime: z.string().meta({ format: "date-time" }).describe("When the recorder last wrote this report."),
  })
  .describe("What one node's recorder saw for one recording.");
export type RecordingReportSpec = z.infer<typeof RecordingReportSpecSchema>;

/**
 * One node's report for one recording, in the recording's namespace: bounded by the
 * recording's containers and the syscall tables, never by the number of calls.
 */
export const SeccompRecordingReportSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(RECORDING_REPORT_KIND),
  metadata: ObjectMetaSchema,
  spec: RecordingReportSpecSchema,
});
export type SeccompRecordingReport = z.infer<typeof SeccompRecordingReportSchema>;

/** `<recording>.<node>`, or with a digest of the node's name where that would pass 253 characters. */
export function recordingReportName(recording: string, nodeName: string): string {
  const name = `${recording}.${nodeName}`;
  return name.length <= 253 ? name : `${recording}.${createHash("sha256").update(nodeName).digest("hex").slice(0, 32)}`;
}
