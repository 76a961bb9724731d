import type { Action, ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { architectureByAuditArch } from "./architectures.js";
import { syscallName } from "./syscall-table.js";

/** One seccomp audit record: what the kernel logged about a filtered syscall. */
export interface SeccompAuditRecord {
  pid: number;
  comm: string;
  /** Undefined for an AUDIT_ARCH no seccomp architecture has. */
  architecture?: ArchitectureToken;
  auditArch: number;
  number: number;
  /** The syscall's name on its architecture, when the tables know it. */
  syscall?: string;
  /** The filter's decision, from `code=`. */
  action?: Action;
  /** The audit event's serial number (`audit(<time>:<serial>)`). */
  serial: number;
}

// The header of every audit line, at its fixed place: the kernel log's `audit: type=<n> ` or
// auditd's `[node=<host> ]type=<NAME> msg=`, then `audit(<time>:<serial>): `. Anything after it
// may hold text a process chose (comm, exe, a user message's msg='...').
const HEADER = /^(?:audit: type=(\d+) |(?:node=\S+ )?type=([A-Z_]+) msg=)audit\(\d+\.\d+:(\d+)\): /;

/** The serial number of an audit line (every audit event has one, whatever its type). */
export function auditSerial(line: string): number | undefined {
  const match = HEADER.exec(line);
  return match === null ? undefined : Number(match[3]);
}

/** The record's type as the line names it: a number in the kernel log, a name in auditd's log. */
export function auditType(line: string): string | undefined {
  const match = HEADER.exec(line);
  return match === null ? undefined : (match[1] ?? match[2]);
}

// SECCOMP_RET_ACTION_FULL values of linux/seccomp.h, as `code=` shows them.
const ACTION_BY_CODE: ReadonlyMap<number, Action> = new Map([
  [0x80000000, "SCMP_ACT_KILL_PROCESS"],
  [0x00000000, "SCMP_ACT_KILL_THREAD"],
  [0x00030000, "SCMP_ACT_TRAP"],
  [0x00050000, "SCMP_ACT_ERRNO"],
  [0x7fc00000, "SCMP_ACT_NOTIFY"],
  [0x7ff00000, "SCMP_ACT_TRACE"],
  [0x7ffc0000, "SCMP_ACT_LOG"],
  [0x7fff0000, "SCMP_ACT_ALLOW"],
]);

// What audit_log_seccomp writes after the header, every field in its order: audit_log_task's
// `auid uid gid ses [subj] pid comm exe`, then `sig arch syscall compat ip code`. comm and exe
// are a process's own choice, so the kernel writes them quoted only without spaces, quotes or
// control characters, and as uppercase hex otherwise: neither can hold ` pid=` or a quote. subj
// is the LSM's label (AppArmor's has a space: `docker-default (enforce)`); it comes before pid.
// The line ends after code, or at auditd's \x1d before its interpretations (ENRICHED format).
const UNTRUSTED = String.raw`"[^"\s]*"|[0-9A-F]*`;
const BODY = new RegExp(
  String.raw`^auid=\d+ uid=\d+ gid=\d+ ses=\d+(?: subj=[^\x1d]*?)? pid=(\d+) comm=(${UNTRUSTED}) exe=(?:${UNTRUSTED}|\(null\)) sig=-?\d+ arch=([0-9a-f]{1,8}) syscall=(-?\d+) compat=\d+ ip=0x[0-9a-f]+ code=0x([0-9a-f]{1,8})(?:\x1d.*)?$`,
);

/**
 * Reads a seccomp record as the kernel log (`audit: type=1326 audit(...): ...`) or auditd
 * (`type=SECCOMP msg=audit(...): ...`) writes it; undefined for any other line. Only the
 * kernel's own record counts: its header at the start of the line and its fields in the
 * kernel's order, so a user message (AUDIT_USER_AVC and the like, whose free text is logged
 * verbatim) or a process name that looks like a record is no record.
 */
export function parseSeccompAuditRecord(line: string): SeccompAuditRecord | undefined {
  const header = HEADER.exec(line);
  const type = header?.[1] ?? header?.[2];
  if (header === null || (type !== "1326" && type !== "SECCOMP")) return undefined;
  const body = BODY.exec(line.slice(header[0].length));
  if (body === null) return undefined;
  const [, pid, comm, arch, syscall, code] = body as unknown as [string, string, string, string, string, string];
  const auditArch = Number.parseInt(arch, 16);
  const record: SeccompAuditRecord = { pid: Number(pid), comm: untrustedString(comm), auditArch, number: Number(syscall), serial: Number(header[3]) };
  const architecture = architectureByAuditArch(auditArch, record.number);
  if (architecture !== undefined) {
    record.architecture = architecture;
    const name = syscallName(architecture, record.number);
    if (name !== undefined) record.syscall = name;
  }
  // The low 16 bits are the action's data (an errno, a trace message), not the action.
  const action = ACTION_BY_CODE.get((Number.parseInt(code, 16) & 0xffff0000) >>> 0);
  if (action !== undefined) record.action = action;
  return record;
}

/** A string as audit_log_untrustedstring wrote it: quoted, or hex-encoded. */
function untrustedString(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1) : Buffer.from(text, "hex").toString("latin1");
}
