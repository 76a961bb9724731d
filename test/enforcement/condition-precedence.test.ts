/**
 * Overlapping conditional rules with different outcomes: runc (libseccomp) applies the first it
 * is given, so the rendered profile must decide every call as the profile as written does.
 */
import assert from "node:assert/strict";
import type { RunResult } from "../../src/cli/runc-run.js";
import { useEnforcement } from "./harness.js";
import { denylist } from "./profiles.js";
import { render, type OciSeccomp, type ProfileSpec } from "./render.js";

type Rule = NonNullable<ProfileSpec["syscalls"]>[number];
// kill(1, SIG): the signal number is an argument busybox passes as given (and a refused call delivers nothing).
const killWith = (signal: string) => ["/bin/busybox", "kill", `-${signal}`, "1"];
// ENOSPC for signals with bit 3 set; EACCES for signal 10 exactly, which that also matches.
const bit3: Rule = { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: [{ index: 1, op: "SCMP_CMP_MASKED_EQ", value: 8, valueTwo: 8 }] };
const ten: Rule = { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 1, op: "SCMP_CMP_EQ", value: 10 }] };
// Signals that hit both rules, the first only, and neither (0 only checks that pid 1 exists).
const SIGNALS = ["10", "12", "0"];

describe("enforcement: overlapping conditional rules keep their precedence through rendering", function () {
  const harness = useEnforcement();
  const outcome = (r: RunResult) => ({ status: r.status, stderr: r.stderr });

  for (const [label, rules] of [["masked rule first", [bit3, ten]], ["exact rule first", [ten, bit3]]] as const) {
    it(`${label}: each call gets what runc gives the profile as written`, async () => {
      const spec = denylist([...rules]);
      const asWritten: OciSeccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: rules.map((r) => ({ ...r })) };
      const results: string[] = [];
      for (const signal of SIGNALS) {
        const raw = await harness().run({ args: killWith(signal), seccomp: asWritten });
        const rendered = await harness().run({ args: killWith(signal), seccomp: render(spec) });
        assert.deepEqual(outcome(rendered), outcome(raw), `signal ${signal}`);
        results.push(raw.stderr.replace(/^kill: can't kill pid 1: /, "").trim() || "sent");
      }
      // The first rule decides the call both match: this is what makes order matter.
      const first = rules[0] === bit3 ? "No space left on device" : "Permission denied";
      assert.deepEqual(results, [first, "No space left on device", "sent"]);
    });
  }
});
