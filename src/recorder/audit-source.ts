import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AuditLogTail } from "./audit-log-tail.js";
import { KernelLogStream, printkRateLimit } from "./kernel-log.js";

export type AuditSourceKind = "audit-log" | "kernel-log";

/** Where audit lines come from: new lines at each read. */
export interface AuditSource {
  kind: AuditSourceKind;
  read(): string[];
  close(): void;
  /** A warning to log once at start, if the source has a known weakness. */
  warning?: string;
}

export function auditLogSource(path: string): AuditSource {
  const tail = new AuditLogTail(path);
  return { kind: "audit-log", read: () => tail.read(), close: () => tail.close() };
}

export function kernelLogSource(kmsgPath?: string): AuditSource {
  const stream = new KernelLogStream(kmsgPath);
  const limit = printkRateLimit();
  return {
    kind: "kernel-log",
    read: () =>
      stream
        .read()
        .filter((e) => e.message.startsWith("audit: "))
        .map((e) => e.message),
    close: () => stream.close(),
    warning: `reading seccomp records from the kernel log: without auditd the kernel prints at most ${limit.burst} audit records per ${limit.intervalMs / 1000} s for the whole node and drops the rest (counted in the reports' lost field); run auditd and use --audit-source audit-log for complete recordings`,
  };
}

/** Whether an audit daemon runs on the host (it then takes the records, and the kernel log has none). */
export function auditdRunning(procRoot: string): boolean {
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(join(procRoot, entry, "comm"), "utf8").trim() === "auditd") return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

/** `auto`: auditd's log where auditd runs and writes it, the kernel log otherwise. */
export function openAuditSource(choice: AuditSourceKind | "auto", auditLogPath: string, procRoot: string): AuditSource {
  if (choice === "audit-log") return auditLogSource(auditLogPath);
  if (choice === "kernel-log") return kernelLogSource();
  return existsSync(auditLogPath) && auditdRunning(procRoot) ? auditLogSource(auditLogPath) : kernelLogSource();
}
