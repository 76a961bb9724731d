import assert from "node:assert/strict";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import { LINT_RULES } from "../../src/profile/lint-rules.js";
import { DANGEROUS_SYSCALLS, lintSpec } from "../../src/profile/lint.js";

const essentials = ["exit", "exit_group", "rt_sigreturn"];
const good: ProfileSpec = {
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  flags: ["SECCOMP_FILTER_FLAG_LOG"],
  syscalls: [{ names: [...essentials, "read", "write"], action: "SCMP_ACT_ALLOW" }],
};
/** Rule ids, leaving out SCP011, which `good`'s flag raises everywhere and which has its own test. */
const rules = (spec: ProfileSpec) => lintSpec(spec).map((f) => f.rule).filter((id) => id !== "SCP011").sort();

describe("lint", () => {
  it("has nothing to say about a tight allowlist but that its flag needs a recent runtime", () => {
    assert.deepEqual(lintSpec(good).map((f) => [f.rule, f.severity, f.path]), [["SCP011", "warning", "spec.flags"]]);
  });

  it("gives every rule a stable id, a severity and a hint", () => {
    const ids = Object.values(LINT_RULES).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of Object.values(LINT_RULES)) {
      assert.match(rule.id, /^SCP\d{3}$/);
      assert.ok(rule.hint.length > 10 && !rule.hint.includes("\n"));
    }
  });

  for (const name of essentials) {
    it(`errors when an allowlist does not allow ${name}`, () => {
      const spec: ProfileSpec = { ...good, syscalls: [{ names: essentials.filter((n) => n !== name).concat("read"), action: "SCMP_ACT_ALLOW" }] };
      const finding = lintSpec(spec).find((f) => f.rule === "SCP001");
      assert.ok(finding);
      assert.equal(finding.severity, "error");
      assert.match(finding.message, new RegExp(`\\b${name}\\b`));
    });
  }

  it("errors when exit_group is allowed only for some arguments", () => {
    const spec: ProfileSpec = {
      ...good,
      syscalls: [
        { names: ["exit", "rt_sigreturn"], action: "SCMP_ACT_ALLOW" },
        { names: ["exit_group"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] },
      ],
    };
    assert.ok(rules(spec).includes("SCP001"));
  });

  it("errors when an allowlist allows nothing", () => {
    assert.deepEqual(rules({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], flags: ["SECCOMP_FILTER_FLAG_LOG"] }), ["SCP007"]);
  });

  it("warns about dangerous syscalls an allowlist allows, naming them", () => {
    const spec: ProfileSpec = { ...good, syscalls: [...good.syscalls!, { names: ["ptrace", "bpf"], action: "SCMP_ACT_ALLOW" }] };
    const finding = lintSpec(spec).find((f) => f.rule === "SCP002");
    assert.equal(finding?.severity, "warning");
    assert.match(finding!.message, /bpf, ptrace/);
  });

  it("warns about the dangerous syscalls a blocklist does not block", () => {
    const blocked = DANGEROUS_SYSCALLS.filter((n) => n !== "unshare");
    const spec: ProfileSpec = { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: [...blocked], action: "SCMP_ACT_ERRNO" }] };
    const findings = lintSpec(spec);
    assert.equal(findings.find((f) => f.rule === "SCP002")?.message, "allows unshare");
    assert.ok(findings.some((f) => f.rule === "SCP004" && f.severity === "warning"));
  });

  it("notes the runtime start-up syscalls", () => {
    const spec: ProfileSpec = { ...good, syscalls: [{ names: [...essentials, "setuid", "capset"], action: "SCMP_ACT_ALLOW" }] };
    const finding = lintSpec(spec).find((f) => f.rule === "SCP003");
    assert.equal(finding?.severity, "info");
    assert.match(finding!.message, /capset, setuid/);
  });

  it("notes audit mode, and does not call it a blocklist", () => {
    assert.deepEqual(rules({ ...good, defaultAction: "SCMP_ACT_LOG" }), ["SCP005"]);
  });

  it("warns about actions that kill only a thread", () => {
    const spec: ProfileSpec = { ...good, defaultAction: "SCMP_ACT_KILL", syscalls: [...good.syscalls!, { names: ["mkdir"], action: "SCMP_ACT_KILL_THREAD" }] };
    const findings = lintSpec(spec).filter((f) => f.rule === "SCP006");
    assert.deepEqual(findings.map((f) => f.path), ["spec.defaultAction", "spec.syscalls[1].action"]);
  });

  it("notes rules that do what the default already does", () => {
    const spec: ProfileSpec = { ...good, syscalls: [...good.syscalls!, { names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
    assert.deepEqual(rules(spec), ["SCP008"]);
    const differentErrno: ProfileSpec = { ...good, syscalls: [...good.syscalls!, { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }] };
    assert.deepEqual(rules(differentErrno), []);
  });

  it("notes missing denial logging and missing architectures", () => {
    const { flags: _f, architectures: _a, ...bare } = good;
    assert.deepEqual(rules(bare), ["SCP009", "SCP010"]);
  });
});
