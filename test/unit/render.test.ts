import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DEFAULT_ARCHITECTURES } from "../../src/profile/architectures.js";
import { renderProfile } from "../../src/profile/render.js";
import { type ResolvedSpec } from "../../src/profile/resolve.js";

const base: ResolvedSpec = {
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
  syscalls: [
    { names: ["write", "read"], action: "SCMP_ACT_ALLOW" },
    { names: ["exit_group"], action: "SCMP_ACT_ALLOW" },
    { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
    { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] },
  ],
};

describe("render", () => {
  it("gives the hash of its own bytes", () => {
    const out = renderProfile(base);
    assert.equal(out.hash, createHash("sha256").update(out.json).digest("hex"));
    assert.ok(out.json.endsWith("}\n"));
    assert.deepEqual(JSON.parse(out.json), out.document);
  });

  it("writes keys in a fixed order", () => {
    const out = renderProfile({ ...base, flags: ["SECCOMP_FILTER_FLAG_LOG"], defaultErrnoRet: 1 });
    assert.deepEqual(Object.keys(JSON.parse(out.json) as object), ["defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls"]);
  });

  it("groups unconditional names per action and sorts them", () => {
    const doc = renderProfile(base).document;
    assert.deepEqual(doc.syscalls[0], { names: ["exit_group", "read", "write"], action: "SCMP_ACT_ALLOW" });
    assert.deepEqual(doc.syscalls[1], { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] });
    assert.deepEqual(doc.syscalls[2], { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 });
  });

  it("is the same for any order of rules, names, architectures and flags", () => {
    const shuffled: ResolvedSpec = {
      defaultAction: "SCMP_ACT_ERRNO",
      architectures: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"],
      syscalls: [
        { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] },
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        { names: ["read", "exit_group"], action: "SCMP_ACT_ALLOW" },
        { names: ["write"], action: "SCMP_ACT_ALLOW" },
      ],
    };
    assert.equal(renderProfile(shuffled).json, renderProfile(base).json);
  });

  it("changes the hash when the meaning changes", () => {
    const hashes = new Set([
      renderProfile(base).hash,
      renderProfile({ ...base, defaultAction: "SCMP_ACT_LOG" }).hash,
      renderProfile({ ...base, architectures: ["SCMP_ARCH_X86_64"] }).hash,
      renderProfile({ ...base, syscalls: [...base.syscalls!, { names: ["getpid"], action: "SCMP_ACT_ALLOW" }] }).hash,
      renderProfile({ ...base, syscalls: base.syscalls!.map((r) => (r.errnoRet === 13 ? { ...r, errnoRet: 1 } : r)) }).hash,
    ]);
    assert.equal(hashes.size, 5);
  });

  it("ignores the description, which is not part of the OCI profile", () => {
    assert.equal(renderProfile({ ...base, description: "web" }).hash, renderProfile(base).hash);
  });

  it("writes the default architectures explicitly when a profile names none", () => {
    const { architectures: _a, ...noArches } = base;
    assert.deepEqual(renderProfile(noArches).document.architectures, [...DEFAULT_ARCHITECTURES].sort());
  });

  it("keeps valueTwo only for MASKED_EQ and merges identical conditional rules", () => {
    const doc = renderProfile({
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }] },
        { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
        { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ" }] },
      ],
    }).document;
    assert.equal(doc.syscalls.length, 2);
    assert.deepEqual(doc.syscalls[0]!.args, [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }]);
    assert.deepEqual(doc.syscalls[1]!.args, [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }]);
  });
});
