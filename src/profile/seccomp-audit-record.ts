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
  /** The audit event's serial number (`audit(<time>:<serial>)`), when the line has one. */
  serial?: number;
}

const SERIAL = /\baudit\(\d+\.\d+:(\d+)\)/;

/** The serial number of any audit line (every audit event has one, whatever its type). */
export function auditSerial(line: string): number | undefined {
  const match = SERIAL.exec(line);
  return match === null ? undefined : Number(match[1]);
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

const FIELD = /\b(pid|arch|syscall|code)=(\S+)/g;

/**
 * Reads a seccomp record as the kernel log (`audit: type=1326 ...`) or auditd
 * (`type=SECCOMP msg=audit(...): ...`) writes it; undefined for any other line.
 */
export function parseSeccompAuditRecord(line: string): SeccompAuditRecord | undefined {
  if (!/\btype=(1326|SECCOMP)\b/.test(line)) return undefined;
  const fields = new Map<string, string>();
  for (const match of line.matchAll(FIELD)) fields.set(match[1]!, match[2]!);
  const pid = Number(fields.get("pid"));
  const auditArch = Number.parseInt(fields.get("arch") ?? "", 16);
  const number = Number(fields.get("syscall"));
  if (!Number.isInteger(pid) || !Number.isInteger(auditArch) || !Number.isInteger(number)) return undefined;
  const record: SeccompAuditRecord = { pid, comm: /\bcomm="([^"]*)"/.exec(line)?.[1] ?? "", auditArch, number };
  const architecture = architectureByAuditArch(auditArch, number);
  if (architecture !== undefined) {
    record.architecture = architecture;
    const name = syscallName(architecture, number);
    if (name !== undefined) record.syscall = name;
  }
  const serial = auditSerial(line);
  if (serial !== undefined) record.serial = serial;
  const code = fields.get("code");
  if (code !== undefined) {
    // The low 16 bits are the action's data (an errno, a trace message), not the action.
    const action = ACTION_BY_CODE.get((Number.parseInt(code.replace(/^0x/, ""), 16) & 0xffff0000) >>> 0);
    if (action !== undefined) record.action = action;
  }
  return record;
}
