// Throughput of the engine on Docker's default profile (parse + validate + render), one
// thread, on the compiled code that ships.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadProfiles } from "../dist/profile/load.js";
import { renderProfile } from "../dist/profile/render.js";
import { resolveSpec } from "../dist/profile/resolve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared", "corpus", "moby", "default.json");
const file = existsSync(shared) ? shared : join(root, "test", "fixtures", "corpus", "moby", "default.json");
const text = readFileSync(file, "utf8");
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

function measure(name, fn) {
  for (let i = 0; i < 300; i++) fn(); // warm-up: let the JIT settle
  let count = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 50; i++) fn();
    count += 50;
  }
  const elapsed = (performance.now() - start) / 1000;
  console.log(`${name.padEnd(32)} ${(count / elapsed).toFixed(0).padStart(7)} profiles/s  ${((elapsed / count) * 1e6).toFixed(0).padStart(5)} µs each`);
}

const [loaded] = loadProfiles(text);
const names = loaded.spec.syscalls.reduce((n, r) => n + r.names.length, 0);
console.log(`engine bench: Docker's default profile (${text.length} bytes, ${loaded.spec.syscalls.length} rules, ${names} names), node ${process.version}`);
// The path of `seccomp-operator render` and of the node agent: load (parse, convert, schema and
// semantic checks), resolve bases, render canonical JSON and its sha256.
const noBases = () => undefined;
const full = () => {
  const [profile] = loadProfiles(text);
  const resolved = resolveSpec("bench/default", profile.spec, noBases);
  return renderProfile(resolved.value.spec).hash;
};
measure("parse + validate", () => loadProfiles(text));
measure("render + sha256", () => renderProfile(loaded.spec));
measure("parse + validate + render", full);
globalThis.gc?.();
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB, heap used after GC ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`);
