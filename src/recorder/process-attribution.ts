import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { containerIdOfCgroup } from "./cgroup-container.js";

/** A process's container as last seen: an ID, or null for a process in no container. */
type Seen = { container: string | null; goneAt?: number };

export type Attribution = { type: "container"; id: string } | { type: "host" } | { type: "gone" };

/**
 * Which container a process (a host pid, as audit records name them) belongs to, from
 * /proc/<pid>/cgroup. A record is often read after its process exited (a short-lived child),
 * so the cgroup of every process is captured while it lives: at each record and at each
 * `scan()` of new pids. A process seen alive keeps its container for `graceMs` after it is
 * gone, for its records still on their way; one never seen alive is `gone`: the caller counts
 * it as unattributed.
 */
export class ProcessAttribution {
  private readonly seen = new Map<number, Seen>();

  constructor(
    private readonly procRoot: string,
    private readonly graceMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  attribute(pid: number): Attribution {
    let known = this.seen.get(pid);
    // A process first seen before runc moved it into its container's cgroup is asked again.
    if (known === undefined || known.container === null) known = this.lookUp(pid) ?? known;
    if (known === undefined) return { type: "gone" };
    return known.container === null ? { type: "host" } : { type: "container", id: known.container };
  }

  /** Captures the cgroup of every process that appeared since the last scan; forgets long-gone ones. */
  scan(): void {
    const alive = new Set<number>();
    for (const entry of readdirSync(this.procRoot)) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      alive.add(pid);
      if (!this.seen.has(pid)) this.lookUp(pid);
    }
    const now = this.now();
    for (const [pid, entry] of this.seen) {
      if (alive.has(pid)) delete entry.goneAt;
      else if (entry.goneAt === undefined) entry.goneAt = now;
      // Pids are reused (pid_max is often 32768): a gone process's entry must not outlive its records.
      else if (now - entry.goneAt > this.graceMs) this.seen.delete(pid);
    }
  }

  /** Processes whose container is remembered. */
  get size(): number {
    return this.seen.size;
  }

  private lookUp(pid: number): Seen | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.procRoot, String(pid), "cgroup"), "utf8");
    } catch {
      return undefined;
    }
    const entry: Seen = { container: containerIdOfCgroup(text) ?? null };
    this.seen.set(pid, entry);
    return entry;
  }
}
