/**
 * Overlapping conditional rules with different outcomes: which one decides a call both match
 * is up to how libseccomp combines them, and for some pairs that depends on their order. The
 * rendered profile keeps the written order of such pairs, so runc decides every call as it does
 * for the profile as written.
 */
import assert from "node:assert/strict";
import type { RunResult } from "../../src/cli/runc-run.js";
import { useEnforcement } from "./harness.js";
import { denylist } from "./profiles.js";
import { render, type OciSeccomp, type ProfileSpec } from "./render.js";

type Rule = NonNullable<ProfileSpec["syscalls"]>[number];
// kill(1, SIG): the signal number is an argument busybox passes as given (and a refused call delivers nothing).
const killWith = (signal: string) => ["/bin/busybox", "kill", `-${signal}`, "1"];
const refusal = (r: RunResult) => r.stderr.replace(/^kill: can't kill pid 1: /, "").trim() || "sent";
// ENOSPC for signals with bit 3 set (8-15, 24-31, ...).
const bit3: Rule = { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: [{ index: 1, op: "SCMP_CMP_MASKED_EQ", value: 8, valueTwo: 8 }] };
// EACCES for signal 10 only, or for signals from 10 on.
const ten: Rule = { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 1, op: "SCMP_CMP_EQ", value: 10 }] };
const fromTen: Rule = { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 1, op: "SCMP_CMP_GE", value: 10 }] };
// For each pair, signals that hit both rules, one of them only, and neither (0 only checks that pid 1 exists).
const PAIRS: [string, Rule, Rule, string[]][] = [
  ["bit 3 and signal 10", bit3, ten, ["10", "12", "0"]],
  ["bit 3 and signals from 10", bit3, fromTen, ["12", "9", "17", "0"]],
];

describe("enforcement: overlapping conditional rules through rendering", function () {
  const harness = useEnforcement();
  const outcome = (r: RunResult) => ({ status: r.status, stderr: r.stderr });

  async function asWrittenAndRendered(rules: Rule[], signals: string[]): Promise<string[]> {
    const asWritten: OciSeccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: rules.map((r) => ({ ...r })) };
    const rendered = render(denylist(rules));
    const out: string[] = [];
    for (const signal of signals) {
      const raw = await harness().run({ args: killWith(signal), seccomp: asWritten });
      const ours = await harness().run({ args: killWith(signal), seccomp: rendered });
      assert.deepEqual(outcome(ours), outcome(raw), `signal ${signal}, rules ${rules.map((r) => r.errnoRet).join(" then ")}`);
      out.push(refusal(raw));
    }
    return out;
  }

  for (const [label, a, b, signals] of PAIRS) {
    it(`${label}, in either order: each call gets what runc gives the profile as written`, async () => {
      const forward = await asWrittenAndRendered([a, b], signals);
      const backward = await asWrittenAndRendered([b, a], signals);
      // Calls that only one rule matches, or none, do not depend on the order.
      assert.deepEqual(forward.slice(1), backward.slice(1));
      assert.equal(forward.at(-1), "sent");
    });
  }

  it("for some pairs the order decides the call both match, which is why rendering keeps it", async () => {
    const [first] = await asWrittenAndRendered([bit3, ten], ["10"]);
    const [second] = await asWrittenAndRendered([ten, bit3], ["10"]);
    assert.deepEqual([first, second], ["No space left on device", "Permission denied"]);
  });
});
