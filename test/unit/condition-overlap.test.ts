import assert from "node:assert/strict";
import type { SyscallArg } from "../../src/api/profile-spec.js";
import { checkOverlappingConditions, MAX_OVERLAP_CHECKS, MAX_OVERLAP_WARNINGS, overlapWitness } from "../../src/profile/condition-overlap.js";
import { renderProfile } from "../../src/profile/render.js";

const arg = (index: number, op: SyscallArg["op"], value: number, valueTwo?: number): SyscallArg => (valueTwo === undefined ? { index, op, value } : { index, op, value, valueTwo });
const witness = (a: SyscallArg[], b: SyscallArg[]) => {
  const found = overlapWitness(a, b);
  return found === undefined ? undefined : Object.fromEntries([...found].map(([i, v]) => [i, Number(v)]));
};

describe("overlapping argument conditions", () => {
  it("finds a call both rules match, or proves there is none", () => {
    assert.deepEqual(witness([arg(1, "SCMP_CMP_EQ", 0o777)], [arg(1, "SCMP_CMP_MASKED_EQ", 0o070, 0o070)]), { 1: 0o777 });
    assert.equal(witness([arg(1, "SCMP_CMP_EQ", 0o700)], [arg(1, "SCMP_CMP_MASKED_EQ", 0o070, 0o070)]), undefined);
    assert.equal(witness([arg(2, "SCMP_CMP_EQ", 9)], [arg(2, "SCMP_CMP_NE", 9)]), undefined);
    assert.deepEqual(witness([arg(0, "SCMP_CMP_GE", 10)], [arg(0, "SCMP_CMP_LT", 11)]), { 0: 10 });
    assert.equal(witness([arg(0, "SCMP_CMP_GT", 10)], [arg(0, "SCMP_CMP_LE", 10)]), undefined);
    // Different arguments never exclude each other.
    assert.deepEqual(witness([arg(0, "SCMP_CMP_EQ", 16)], [arg(2, "SCMP_CMP_EQ", 9)]), { 0: 16, 2: 9 });
    // Masks and ranges together: an even number above 100.
    assert.deepEqual(witness([arg(0, "SCMP_CMP_MASKED_EQ", 1, 0)], [arg(0, "SCMP_CMP_GT", 100)]), { 0: 102 });
    // Two conditions on one argument of one rule are alternatives in runc.
    assert.deepEqual(witness([arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)], [arg(0, "SCMP_CMP_GE", 2)]), { 0: 2 });
    // Values beyond 2^53 compare exactly.
    assert.equal(witness([arg(0, "SCMP_CMP_EQ", 2 ** 53 - 1)], [arg(0, "SCMP_CMP_GT", 2 ** 53 - 1)]), undefined);
  });

  it("warns, with the call that matches both, only where the outcomes differ", () => {
    const rules = [
      { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 28, args: [arg(1, "SCMP_CMP_MASKED_EQ", 0o070, 0o070)] },
      { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 13, args: [arg(1, "SCMP_CMP_EQ", 0o777)] },
      { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 28, args: [arg(1, "SCMP_CMP_EQ", 0o770)] },
    ];
    assert.deepEqual(
      checkOverlappingConditions({ syscalls: rules }).map((d) => [d.path, d.message]),
      [["spec.syscalls[1]", "mkdir: a call with arg1 = 511 matches this rule (SCMP_ACT_ERRNO (errno 13)) and spec.syscalls[0] (SCMP_ACT_ERRNO (errno 28)); which applies is up to libseccomp and may depend on their order, which rendering keeps"]],
    );
  });

  it("rendering keeps the earlier of two overlapping rules first, and sorts everything else as before", () => {
    const masked = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 28, args: [arg(1, "SCMP_CMP_MASKED_EQ", 0o070, 0o070)] };
    const eq = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 13, args: [arg(1, "SCMP_CMP_EQ", 0o777)] };
    const read = { names: ["read"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 5, args: [arg(0, "SCMP_CMP_EQ", 3)] };
    const errnos = (rules: (typeof eq)[]) => renderProfile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: rules }).document.syscalls.map((r) => r.errnoRet);
    assert.deepEqual(errnos([masked, eq, read]), [5, 28, 13], "ERRNO 28 written first stays before ERRNO 13");
    assert.deepEqual(errnos([eq, masked, read]), [5, 13, 28]);
    const exclusive = { ...eq, args: [arg(1, "SCMP_CMP_EQ", 0o700)] };
    assert.deepEqual(errnos([masked, exclusive, read]), [5, 13, 28], "no overlap: the canonical order");
  });

  it("bounds the comparisons one profile costs: past the bound, one warning, and rendering keeps the written order", () => {
    // 512 conditional rules on the same syscalls, alternating outcomes, each with repeated arguments.
    const rules = Array.from({ length: 512 }, (_, k) => ({
      names: ["read", "write"],
      action: k % 2 ? ("SCMP_ACT_ALLOW" as const) : ("SCMP_ACT_LOG" as const),
      args: [0, 0, 1, 1, 2, 2].map((index, j) => arg(index, "SCMP_CMP_GE", (512 - k) * 10 + j)),
    }));
    const warnings = checkOverlappingConditions({ syscalls: rules });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, new RegExp(`more than ${MAX_OVERLAP_CHECKS} comparisons.*written order`));
    const rendered = JSON.parse(renderProfile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: rules }).json) as { syscalls: { args: { value: number }[] }[] };
    assert.deepEqual(rendered.syscalls.map((r) => r.args[0]!.value), rules.map((r) => r.args[0]!.value));
  });

  it("lists at most a bounded number of overlapping pairs, and counts the rest", () => {
    // 24 rules that all overlap, alternating outcomes: 12 x 12 order-dependent pairs.
    const rules = Array.from({ length: 24 }, (_, k) => ({ names: ["ioctl"], action: k % 2 ? ("SCMP_ACT_ALLOW" as const) : ("SCMP_ACT_LOG" as const), args: [arg(1, "SCMP_CMP_GE", k)] }));
    const warnings = checkOverlappingConditions({ syscalls: rules });
    assert.equal(warnings.length, MAX_OVERLAP_WARNINGS + 1);
    assert.match(warnings.at(-1)!.message, new RegExp(`^and ${144 - MAX_OVERLAP_WARNINGS} more pairs .*only the first ${MAX_OVERLAP_WARNINGS} are listed`));
  });

  it("renders repeated rules as written once each when only their repetitions put them past the bound", () => {
    // Two overlapping rules written 72 times each (72 x 72 pairs): too many to compare as written,
    // but rendering writes each once, and those few are compared.
    const masked = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 28, args: [arg(1, "SCMP_CMP_MASKED_EQ", 0o070, 0o070)] };
    const eq = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 13, args: [arg(1, "SCMP_CMP_EQ", 0o777)] };
    const read = { names: ["read"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 5, args: [arg(0, "SCMP_CMP_EQ", 3)] };
    const repeated = [masked, eq, read, ...Array.from({ length: 142 }, (_, k) => (k % 2 ? eq : masked))];
    assert.equal(checkOverlappingConditions({ syscalls: repeated }).length, 1, "past the bound: one warning");
    const errnos = (rules: (typeof eq)[]) => renderProfile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: rules }).document.syscalls.map((r) => r.errnoRet);
    assert.deepEqual(errnos(repeated), errnos([masked, eq, read]));
    assert.deepEqual(errnos(repeated), [5, 28, 13], "sorted, but for the overlapping pair, not in written order (28, 13, 5)");
  });
});
