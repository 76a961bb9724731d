// Throughput of the engine on Docker's default profile, one thread, on the compiled code that
// ships. Besides wall time it gives this thread's CPU time, which other work on a shared machine
// inflates less, and the least disturbed round.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { compileObject, compileProfile } from "../dist/profile/compile.js";
import { loadProfiles } from "../dist/profile/load.js";
import { renderProfile } from "../dist/profile/render.js";
import { resolveSpec } from "../dist/profile/resolve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared", "corpus", "moby", "default.json");
const file = existsSync(shared) ? shared : join(root, "test", "fixtures", "corpus", "moby", "default.json");
const text = readFileSync(file, "utf8");
const seconds = Number(process.env.BENCH_SECONDS ?? 3); // per case

const cpu = () => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};

const cases = [];
const measure = (name, fn) => cases.push({ name, fn, rounds: [] });

/**
 * Runs the cases in turns, ten rounds each, so that each sees the same warm JIT and heap and the
 * same spells of other load on the machine; prints the median round and the least disturbed one.
 */
function run() {
  // Warm-up by time, not count: on a busy machine the JIT's background compiles take longer.
  for (const { fn } of cases) for (const end = performance.now() + 500; performance.now() < end; ) for (let i = 0; i < 50; i++) fn();
  for (let r = 0; r < 10; r++) {
    for (const { fn, rounds } of cases) {
      let count = 0;
      const start = performance.now();
      const cpuStart = cpu();
      const deadline = start + (seconds * 1000) / 10;
      while (performance.now() < deadline) {
        for (let i = 0; i < 50; i++) fn();
        count += 50;
      }
      rounds.push({ wall: ((performance.now() - start) * 1000) / count, cpu: (cpu() - cpuStart) / count });
    }
  }
  const rate = (us) => `${(1e6 / us).toFixed(0)}/s`;
  for (const { name, rounds } of cases) {
    const sorted = (key) => rounds.map((r) => r[key]).sort((a, b) => a - b);
    const [wall, used, best] = [sorted("wall")[5], sorted("cpu")[5], sorted("wall")[0]];
    console.log(`${name.padEnd(42)} ${(1e6 / wall).toFixed(0).padStart(6)} profiles/s ${wall.toFixed(0).padStart(5)} µs each (CPU ${used.toFixed(0)} µs: ${rate(used)}; best round ${best.toFixed(0)} µs: ${rate(best)})`);
  }
}

const [loaded] = loadProfiles(text);
const names = loaded.spec.syscalls.reduce((n, r) => n + r.names.length, 0);
console.log(`engine bench: Docker's default profile (${text.length} bytes, ${loaded.spec.syscalls.length} rules, ${names} names), node ${process.version}`);
const noBases = () => undefined;
// The path of `seccomp-operator render`: load (parse, convert, schema and semantic checks),
// resolve bases, render canonical JSON and its sha256.
measure("parse + validate + render", () => {
  const [profile] = loadProfiles(text);
  const resolved = resolveSpec("bench/default", profile.spec, noBases);
  return renderProfile(resolved.value.spec).hash;
});
// The same through compileProfile, with lint: what `seccomp-operator lint` and `render` report.
measure("parse + validate + compile (lint, render)", () => {
  const [profile] = loadProfiles(text);
  return compileProfile({ namespace: "bench", name: "default", spec: profile.spec }, noBases, "catalogue").value.rendered.hash;
});
// The daemons' path: a SeccompProfile from the informer's cache, compiled once per version of the
// object (a new object each time here, so nothing is remembered from the last).
const object = { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace: "bench", name: "default" }, spec: loaded.spec };
measure("compileObject: check, lint, render", () => compileObject({ ...object }, noBases, "catalogue").value.rendered.hash);
measure("parse + validate alone", () => loadProfiles(text));
measure("render + sha256 alone", () => renderProfile(loaded.spec));
run();
globalThis.gc?.();
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB, heap used after GC ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
