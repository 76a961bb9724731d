import assert from "node:assert/strict";
import { arch } from "node:os";
import { useEnforcement } from "./harness.js";
import { SIGSEGV_STATUS } from "./profiles.js";
import type { RunResult } from "../../src/cli/runc-run.js";
import { FINDINGS_RUNC, renderSeed, SEED_FINDINGS, SEED_NAMES, type SeedFinding } from "./seed-profiles.js";

const ECHO = ["/bin/busybox", "echo", "hi"];
const passed = (r: RunResult) => r.status === 0 && r.stdout === "hi\n";
// Without rt_sigreturn, Go's preemption signal (SIGURG) in runc init turns into SIGSEGV at random.
const preempted = (r: RunResult) => r.status === SIGSEGV_STATUS && r.stdout === "";
const describeRun = (r: RunResult) => `status ${String(r.status)}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;

describe("enforcement: the seed profiles with `busybox echo hi`", function () {
  const harness = useEnforcement();

  before(function () {
    const version = harness().runcVersion;
    if (arch() !== "x64" || !FINDINGS_RUNC.test(version)) {
      console.warn(`\n  seed findings were measured with runc 1.1 on x86_64; this is runc ${version} on ${arch()}: re-measure\n`);
      this.skip();
    }
  });

  for (const name of SEED_NAMES) {
    for (const noNewPrivileges of [true, false]) {
      const finding: SeedFinding = noNewPrivileges ? SEED_FINDINGS[name].nnp : SEED_FINDINGS[name].privileged;
      const mode = `noNewPrivileges ${String(noNewPrivileges)}`;
      const racy = finding.missing.includes("rt_sigreturn");

      if (finding.passes) {
        it(`${name} passes with ${mode}${racy ? " (except when preempted: it lacks rt_sigreturn)" : ""}`, async function () {
          const runs: RunResult[] = [];
          for (let i = 0; i < (racy ? 10 : 2); i++) runs.push(await harness().run({ args: ECHO, seccomp: renderSeed(name), noNewPrivileges }));
          for (const r of runs) assert.ok(passed(r) || (racy && preempted(r)), describeRun(r));
          assert.ok(runs.some(passed), "never passed");
        });
      } else {
        it(`${name} fails with ${mode}: ${finding.failure?.reason ?? "?"}`, async function () {
          // A preempted run crashes before reaching the deterministic failure; try again.
          for (let i = 0; i < 5; i++) {
            const r = await harness().run({ args: ECHO, seccomp: renderSeed(name), noNewPrivileges });
            if (racy && preempted(r)) continue;
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, finding.failure?.stderr ?? /./, describeRun(r));
            return;
          }
          assert.fail("preempted five times in a row");
        });
      }

      if (finding.missing.length > 0) {
        const missing = finding.missing.join(", ");
        it(`${name} with ${mode} passes reliably once ${missing} ${finding.missing.length > 1 ? "are" : "is"} allowed`, async function () {
          for (let i = 0; i < 3; i++) {
            const r = await harness().run({ args: ECHO, seccomp: renderSeed(name, finding.missing), noNewPrivileges });
            assert.ok(passed(r), describeRun(r));
          }
        });

        const required = finding.missing.filter((s) => s !== "rt_sigreturn");
        if (required.length > 0) {
          it(`${name} with ${mode} needs each of ${required.join(", ")}`, async function () {
            const notNeeded: string[] = [];
            for (const syscall of required) {
              const allow = finding.missing.filter((s) => s !== syscall);
              const r = await harness().run({ args: ECHO, seccomp: renderSeed(name, allow), noNewPrivileges });
              if (passed(r)) notNeeded.push(syscall);
            }
            assert.deepEqual(notNeeded, [], "passes without these");
          });
        }
      }
    }
  }
});
