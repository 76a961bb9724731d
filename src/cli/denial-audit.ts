import { readFileSync } from "node:fs";
import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { auditTwin } from "../profile/audit-twin.js";
import type { ResolvedSpec } from "../profile/resolve.js";
import { parseSeccompAuditRecord } from "../profile/seccomp-audit-record.js";
import { monotonicUs, printkRateLimit, readKernelLog } from "./kernel-log.js";
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

/**
 * Runs the command under the profile's audit-mode twin and reads, from the kernel log, every
 * call the profile would have refused. The kernel lets only a burst of audit messages through
 * per interval and drops the rest without a trace, so each run starts in a fresh interval, and
 * while a run filled the burst, the command runs again with what was found allowed, until a run
 * logs less than a burst: then no name was lost.
 */
export async function auditDenials(spec: ResolvedSpec, runContainer: ProfileRun, pidFile: string): Promise<DenialAudit> {
  const limit = printkRateLimit();
  const found = new Map<string, Denial>();
  let lowerBounds = false;
  let firstRun: RunResult | undefined;
  for (let i = 0; i < MAX_RUNS; i++) {
    const before = await freshInterval(limit.intervalMs);
    const result = await runContainer(auditTwin(spec, [...new Set([...found.values()].map((d) => d.syscall))]), pidFile);
    firstRun ??= result;
    const initPid = readPid(pidFile);
    const entries = readKernelLog().filter((e) => e.seq > before);
    const audit = entries.filter((e) => e.message.startsWith("audit: "));
    // Names found by an earlier run are allowed in this one, so every record here is new.
    const run = new Map<string, Denial>();
    for (const entry of audit) {
      const record = parseSeccompAuditRecord(entry.message);
      // Processes of the container get ids from the first one's on (the kernel logs host pids).
      if (record === undefined || initPid === undefined || record.pid < initPid) continue;
      const syscall = record.syscall ?? `syscall ${record.number}`;
      const architecture = record.architecture ?? `arch 0x${record.auditArch.toString(16)}`;
      const key = `${architecture}/${syscall}`;
      const denial = run.get(key) ?? { architecture, syscall, number: record.number, count: 0 };
      denial.count++;
      run.set(key, denial);
    }
    for (const [key, denial] of run) if (!found.has(key)) found.set(key, denial);
    const fresh = run.size;
    if (audit.length < limit.burst) break;
    lowerBounds = true;
    if (fresh === 0) break;
  }
  const denials = [...found.values()].sort((a, b) => String(a.architecture).localeCompare(String(b.architecture)) || a.syscall.localeCompare(b.syscall));
  return { denials, countsAreLowerBounds: lowerBounds, firstRun: firstRun! };
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
