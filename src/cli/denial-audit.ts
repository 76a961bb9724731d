import { readFileSync } from "node:fs";
import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { auditTwin } from "../profile/audit-twin.js";
import type { ResolvedSpec } from "../profile/resolve.js";
import { permission } from "../profile/permissions.js";
import { parseSeccompAuditRecord, type SeccompAuditRecord } from "../profile/seccomp-audit-record.js";
import { monotonicUs, printkRateLimit, readKernelLog } from "../recorder/kernel-log.js";
import type { RunResult } from "./runc-run.js";

/** A syscall the profile refused (or would have), with how often. */
export interface Denial {
  architecture: ArchitectureToken | string;
  syscall: string;
  number: number;
  count: number;
}

export interface DenialAudit {
  denials: Denial[];
  /** The kernel dropped records (rate limit): counts are at least these, names are complete. */
  countsAreLowerBounds: boolean;
  /** The first audit-mode run, for its exit status and output. */
  firstRun: RunResult;
}

/** Runs one container with this profile; `pidFile` receives its first process id. */
export type ProfileRun = (spec: ResolvedSpec, pidFile: string) => Promise<RunResult>;

const MAX_RUNS = 10;
const MARGIN_MS = 500;
// Every container's command starts with an execve under the filter: the twin always logs it.
const CANARY = "execve";
const SETTLE_MS = 3000;
const POLL_MS = 100;

/** The kernel log did not show a test run's audit records, so no report would be true. */
export class AuditLogUnavailable extends Error {
  override name = "AuditLogUnavailable";
}

/**
 * Runs the command under the profile's audit-mode twin and reads, from the kernel log, every
 * call the profile would have refused. The kernel lets only a burst of audit messages through
 * per interval and drops the rest without a trace, so each run starts in a fresh interval, and
 * while a run filled the burst, the command runs again with what was found allowed, until a run
 * logs less than a burst: then no name was lost. kauditd writes records after the calls, so
 * each run waits for its canary record (the command's execve) before reading the rest.
 */
export async function auditDenials(spec: ResolvedSpec, runContainer: ProfileRun, pidFile: string): Promise<DenialAudit> {
  const limit = printkRateLimit();
  const canaryDecidedByArgs = (spec.syscalls ?? []).some((r) => r.names.includes(CANARY) && r.args !== undefined && r.args.length > 0);
  const canaryAllowed = permission(spec, CANARY) === "always";
  const found = new Map<string, Denial>();
  let lowerBounds = false;
  let firstRun: RunResult | undefined;
  let unseen = 0;
  for (let i = 0; i < MAX_RUNS; i++) {
    const before = await freshInterval(limit.intervalMs);
    const result = await runContainer(auditTwin(spec, [...new Set([...found.values()].map((d) => d.syscall))], CANARY), pidFile);
    firstRun ??= result;
    const initPid = readPid(pidFile);
    // runc may fail before the command starts (no canary then); its error is the report.
    const expectCanary = !canaryDecidedByArgs && result.runcError === undefined && initPid !== undefined;
    const { audit, records } = await containerRecords(before, initPid, expectCanary);
    // Without the canary and below the burst, the records went elsewhere or never came.
    if (expectCanary && audit < limit.burst && !records.some((r) => r.syscall === CANARY)) {
      if (++unseen >= 3) {
        throw new AuditLogUnavailable("the kernel log shows no audit records of the test runs (auditd may be collecting them, or others fill the kernel's rate limit): cannot tell what the profile denies");
      }
      continue;
    }
    const run = new Map<string, Denial>();
    for (const record of records) {
      const syscall = record.syscall ?? `syscall ${record.number}`;
      if (syscall === CANARY && (canaryAllowed || found.has(`${record.architecture}/${syscall}`))) continue;
      const architecture = record.architecture ?? `arch 0x${record.auditArch.toString(16)}`;
      const key = `${architecture}/${syscall}`;
      const denial = run.get(key) ?? { architecture, syscall, number: record.number, count: 0 };
      denial.count++;
      run.set(key, denial);
    }
    // Names found by an earlier run are allowed in this one, so these are new.
    for (const [key, denial] of run) if (!found.has(key)) found.set(key, denial);
    if (audit < limit.burst) break;
    lowerBounds = true;
    if (run.size === 0) break;
  }
  const denials = [...found.values()].sort((a, b) => String(a.architecture).localeCompare(String(b.architecture)) || a.syscall.localeCompare(b.syscall));
  return { denials, countsAreLowerBounds: lowerBounds, firstRun: firstRun! };
}

/**
 * The seccomp records of the container's processes after `before` (the kernel logs host pids,
 * from the container's first process on), once the canary is there or the wait is over; and
 * how many audit messages the kernel log took meanwhile, all processes counted.
 */
async function containerRecords(before: number, initPid: number | undefined, expectCanary: boolean): Promise<{ audit: number; records: SeccompAuditRecord[] }> {
  const read = () => {
    const audit = readKernelLog().filter((e) => e.seq > before && e.message.startsWith("audit: "));
    const records = audit
      .map((e) => parseSeccompAuditRecord(e.message))
      .filter((r): r is SeccompAuditRecord => r !== undefined && initPid !== undefined && r.pid >= initPid);
    return { audit: audit.length, records };
  };
  const deadline = Date.now() + SETTLE_MS;
  let seen = read();
  while (expectCanary && !seen.records.some((r) => r.syscall === CANARY) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    seen = read();
  }
  // Records of calls made just before the canary may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  return read();
}

/**
 * Waits until the rate limit's interval has passed since the kernel's last audit message, so
 * the next run's records start a burst of their own; returns the log's last sequence number.
 */
async function freshInterval(intervalMs: number): Promise<number> {
  const log = readKernelLog();
  const lastAudit = log.filter((e) => e.message.startsWith("audit: ")).at(-1);
  if (lastAudit !== undefined) {
    const waitMs = lastAudit.timestampUs / 1000 + intervalMs + MARGIN_MS - monotonicUs() / 1000;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return readKernelLog().at(-1)?.seq ?? -1;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
