// How long one compile holds the event loop, for the costliest profiles the schema (and so the
// API server) accepts. The daemons compile one profile per work-queue turn and yield to I/O
// between turns, so the longest block of the loop is the longest single compile: measured here
// with perf_hooks.monitorEventLoopDelay while compiles run one per macrotask, as they do there.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { compileObject } from "../dist/profile/compile.js";
import { checkSchema } from "../dist/profile/schema-check.js";
import { loadProfiles } from "../dist/profile/load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const docker = loadProfiles(readFileSync(join(root, "test", "fixtures", "corpus", "moby", "default.json"), "utf8"))[0].spec;

const unknown = (count, offset, length) => Array.from({ length: count }, (_, i) => `zz${(i + offset).toString(36)}_`.padEnd(length, "q"));
const some = ["read", "write", "openat", "close", "mmap", "munmap", "ioctl", "socket", "clone", "futex", "personality", "mprotect", "brk", "fcntl", "dup", "dup2", "pipe", "sendto", "recvfrom", "bind"];
const alternate = (k) => (k % 2 === 0 ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW");
const CASES = {
  "Docker's default profile (for scale)": docker,
  "4,096 unknown names of 64 characters": { defaultAction: "SCMP_ACT_ERRNO", syscalls: [0, 1, 2, 3].map((k) => ({ names: unknown(1024, k * 1024, 64), action: "SCMP_ACT_ALLOW" })) },
  "512 rules, 8 names each, alternating actions": { defaultAction: "SCMP_ACT_ERRNO", syscalls: Array.from({ length: 512 }, (_, k) => ({ names: some.slice(k % 12, (k % 12) + 8), action: alternate(k) })) },
  "512 conditional rules on one syscall": { defaultAction: "SCMP_ACT_ERRNO", syscalls: Array.from({ length: 512 }, (_, k) => ({ names: ["ioctl"], action: alternate(k), args: [{ index: 1, value: k, op: "SCMP_CMP_GE" }] })) },
  "70 conditional rules, 6 comparisons each": { defaultAction: "SCMP_ACT_ERRNO", syscalls: Array.from({ length: 70 }, (_, k) => ({ names: ["ioctl"], action: alternate(k), args: [0, 1, 2, 3, 4, 5].map((i) => ({ index: i, value: k + i, op: "SCMP_CMP_GE" })) })) },
  // Masks against comparisons on every argument, no two alike: the costliest overlap checks (each
  // needs the values near 2^64, and none repeats an earlier one), as many as the bound lets through.
  "140 conditional rules, masks against comparisons": {
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: Array.from({ length: 140 }, (_, k) => ({
      names: ["ioctl"],
      action: alternate(k),
      args: [0, 1, 2, 3, 4, 5].map((i) => (k % 2 === 0 ? { index: i, value: 0xf0f + (k << 12), valueTwo: 0x101, op: "SCMP_CMP_MASKED_EQ" } : { index: i, value: 1000 + k + i, op: "SCMP_CMP_GT" })),
    })),
  },
  // The same past the bound: the pairs are counted, and none compared.
  "512 conditional rules, masks against comparisons": {
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: Array.from({ length: 512 }, (_, k) => ({
      names: some.slice(k % 12, (k % 12) + 8),
      action: alternate(k),
      args: [0, 1, 2, 3, 4, 5].map((i) => (k % 2 === 0 ? { index: i, value: 0xf0f + (k << 12), valueTwo: 0x101, op: "SCMP_CMP_MASKED_EQ" } : { index: i, value: 1000 + k + i, op: "SCMP_CMP_GT" })),
    })),
  },
  "512 conditional rules, 6 alternatives each": { defaultAction: "SCMP_ACT_ERRNO", syscalls: Array.from({ length: 512 }, (_, k) => ({ names: ["ioctl"], action: alternate(k), args: [0, 1, 2, 3, 4, 5].map((j) => ({ index: 0, value: k * 6 + j, op: "SCMP_CMP_EQ" })) })) },
};

const object = (spec) => ({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace: "bench", name: "costly" }, spec });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// Run as the controller does, then with the agent's V8 flags (its DaemonSet's command).
console.log(`compile cost bench: longest compile and longest event-loop block per profile, node ${process.version} ${process.execArgv.join(" ") || "(default flags: the controller)"}`);
// CPU time besides wall time: on a shared machine other processes stretch the wall time of a
// compile. The thread's CPU clock ticks in milliseconds, so it is read over all compiles of a case.
const cpu = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
const ms = (value) => `${value.toFixed(1)} ms`;
console.log(`${"profile".padEnd(48)} ${"compile p50".padStart(11)} ${"max".padStart(9)} ${"CPU mean".padStart(9)} ${"loop block max".padStart(14)}`);
// The loop's delays without any compile: what the machine itself adds (other processes, GC).
{
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) await nextTurn();
  delay.disable();
  console.log(`${"no compile: this machine's own delays".padEnd(48)} ${"".padStart(11)} ${"".padStart(9)} ${"".padStart(9)} ${ms(delay.max / 1e6).padStart(14)}`);
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
let worst = 0;
let worstCpu = 0;
for (const [name, spec] of Object.entries(CASES)) {
  if (checkSchema(spec).spec === undefined) throw new Error(`${name}: the schema refuses it, so it is no case`);
  for (let i = 0; i < 3; i++) compileObject(object(structuredClone(spec)), () => undefined, "catalogue"); // warm-up
  const times = [];
  let cpuUsed = 0;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || times.length < 5) {
    // A new object each turn, as after an update: nothing is remembered from the last.
    const copy = object(structuredClone(spec));
    const start = performance.now();
    const cpuStart = cpu();
    compileObject(copy, () => undefined, "catalogue");
    times.push(performance.now() - start);
    cpuUsed += cpu() - cpuStart;
    await nextTurn();
  }
  delay.disable();
  const block = delay.max / 1e6;
  worst = Math.max(worst, block);
  worstCpu = Math.max(worstCpu, cpuUsed / times.length);
  console.log(`${name.padEnd(48)} ${ms(median(times)).padStart(11)} ${ms(Math.max(...times)).padStart(9)} ${ms(cpuUsed / times.length).padStart(9)} ${ms(block).padStart(14)}`);
}
console.log(`longest event-loop block ${ms(worst)}; costliest compile ${ms(worstCpu)} of CPU on average (the aim is 50 ms); load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
