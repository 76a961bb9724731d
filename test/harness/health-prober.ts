// Times a daemon's /healthz answers from a process of its own, so that the work of the test or
// benchmark that asks does not delay the answers it times.
import { spawn } from "node:child_process";

/** Asks /healthz every 10 ms; prints each answer's time in ms when told to stop. Exits non-zero on an answer other than 200. */
const PROBER = `
const url = process.argv[1];
const times = [];
let stop = false;
process.on("SIGTERM", () => (stop = true));
(async () => {
  while (!stop) {
    const t = performance.now();
    const r = await fetch(url);
    await r.text();
    if (r.status !== 200) process.exit(2);
    times.push(Math.round(performance.now() - t));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.stdout.write(times.join("\\n") + "\\n");
})();
`;

export interface HealthProbe {
  /** Stops probing; each answer's time in ms. */
  stop(): Promise<number[]>;
}

/** Starts probing `url` every 10 ms. */
export function probeHealth(url: string): HealthProbe {
  const prober = spawn(process.execPath, ["-e", PROBER, url], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  prober.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => prober.on("exit", resolve));
  return {
    stop: async () => {
      prober.kill("SIGTERM");
      await exited;
      return output.trim().split("\n").filter(Boolean).map(Number);
    },
  };
}

/** Names that are no syscall, of `length` characters. */
const unknownNames = (count: number, offset: number, length: number) =>
  Array.from({ length: count }, (_, i) => `zz${(i + offset).toString(36)}_`.padEnd(length, "q"));

/** A profile spec of `rules` rules of `perRule` names that are no syscall: the costliest kind to check. */
export const costlySpec = (rules: number, perRule: number, length = 64) => ({
  defaultAction: "SCMP_ACT_ERRNO",
  syscalls: Array.from({ length: rules }, (_, k) => ({ names: unknownNames(perRule, k * perRule, length), action: "SCMP_ACT_ALLOW" })),
});
