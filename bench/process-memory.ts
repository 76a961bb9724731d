// Resident memory of a daemon the benches run as a process, read from /proc.
import { readFileSync } from "node:fs";

export function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

/** Resident memory once caches caught up: the highest of five readings a second apart. */
export async function settledRssMiB(pid: number): Promise<number> {
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    peak = Math.max(peak, rssMiB(pid));
  }
  return peak;
}
