import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import { cli } from "../cli-run.js";
import { diffSpecs } from "../../src/profile/diff-profiles.js";
import { mergeSpecs } from "../../src/profile/merge-profiles.js";
import { CORPUS_ROOT } from "../corpus.js";


const allow = (names: string[]) => ({ names, action: "SCMP_ACT_ALLOW" as const });
const base = (syscalls: ProfileSpec["syscalls"], more: Partial<ProfileSpec> = {}): ProfileSpec => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
  syscalls,
  ...more,
});

describe("merge", () => {
  it("unites syscalls, architectures and flags; an unconditional rule covers conditional ones", () => {
    const a = base([allow(["read", "exit_group"]), { ...allow(["personality"]), args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] }]);
    const b = base([allow(["write", "read", "personality"])], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], flags: ["SECCOMP_FILTER_FLAG_LOG"] });
    const merged = mergeSpecs([{ source: "a", spec: a }, { source: "b", spec: b }]);
    assert.ok(merged.ok);
    assert.deepEqual(merged.value.syscalls, [allow(["exit_group", "personality", "read", "write"])]);
    assert.deepEqual(merged.value.architectures, ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]);
    assert.deepEqual(merged.value.flags, ["SECCOMP_FILTER_FLAG_LOG"]);
  });

  it("joins argument conditions under one action", () => {
    const cond = (value: number) => ({ ...allow(["personality"]), args: [{ index: 0, value, op: "SCMP_CMP_EQ" as const }] });
    const merged = mergeSpecs([{ source: "a", spec: base([cond(0)]) }, { source: "b", spec: base([cond(8), cond(0)]) }]);
    assert.ok(merged.ok);
    assert.deepEqual(merged.value.syscalls, [cond(0), cond(8)]);
  });

  it("reports every disagreement, naming the syscall and each source, and merges nothing", () => {
    const a = base([allow(["read", "mkdir", "ptrace"])]);
    const b = base([allow(["read"]), { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }, { names: ["ptrace"], action: "SCMP_ACT_KILL_PROCESS" }], { defaultAction: "SCMP_ACT_LOG" });
    const merged = mergeSpecs([{ source: "a.yaml#1", spec: a }, { source: "b.json#1", spec: b }]);
    assert.equal(merged.ok, false);
    assert.ok(!merged.ok);
    assert.deepEqual(
      merged.error.map((d) => d.message),
      [
        "the profiles have different default actions: SCMP_ACT_ERRNO (errno 1) in a.yaml#1, SCMP_ACT_LOG in b.json#1",
        "mkdir: SCMP_ACT_ALLOW in a.yaml#1, SCMP_ACT_ERRNO (errno 13) in b.json#1",
        "ptrace: SCMP_ACT_ALLOW in a.yaml#1, SCMP_ACT_KILL_PROCESS in b.json#1",
      ],
    );
  });

  describe("the command", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "scp-merge-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("merges our manifests, Docker JSON and rendered files into one valid, stable manifest", () => {
      const rendered = join(dir, "hi-pod.rendered.json");
      writeFileSync(rendered, cli(["render", join(CORPUS_ROOT, "seed", "hi-pod-seccomp.json")]).out);
      const manifest = join(dir, "web.yaml");
      writeFileSync(manifest, `apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: web, namespace: shop}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [exit, exit_group, rt_sigreturn, getrandom], action: SCMP_ACT_ALLOW}]\n`);
      const docker = join(CORPUS_ROOT, "seed", "hi-container-seccomp.json");
      const result = cli(["merge", "--name", "web", "--namespace", "shop", rendered, manifest, docker]);
      assert.equal(result.code, 0, result.err);
      const swapped = cli(["merge", "--name", "web", "--namespace", "shop", docker, manifest, rendered]);
      assert.equal(swapped.out, result.out, "input order does not change the result");
      const doc = parse(result.out) as { metadata: object; spec: { syscalls: { names: string[] }[] } };
      assert.deepEqual(doc.metadata, { name: "web", namespace: "shop" });
      const names = doc.spec.syscalls.flatMap((r) => r.names);
      for (const name of ["getrandom", "exit_group", "rt_sigreturn"]) assert.ok(names.includes(name), name);
      assert.equal(cli(["validate"], result.out).code, 0);
    });

    it("exit 1 with the conflicts on stderr and nothing on stdout", () => {
      const a = join(dir, "a.json");
      const b = join(dir, "b.json");
      writeFileSync(a, JSON.stringify(base([allow(["read", "exit_group"])])));
      writeFileSync(b, JSON.stringify(base([allow(["exit_group"]), { names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 5 }])));
      const result = cli(["merge", "--name", "x", a, b]);
      assert.equal(result.code, 1);
      assert.equal(result.out, "");
      assert.equal(result.err, `merge: spec.syscalls: error: read: SCMP_ACT_ALLOW in ${a}#1, SCMP_ACT_ERRNO (errno 5) in ${b}#1 [merge-conflict] (decide on one action for it in the inputs)\n`);
    });

    it("needs a name when the inputs do not share one, and two profiles", () => {
      const two = cli(["merge", join(CORPUS_ROOT, "seed", "hi-pod-seccomp.json"), join(CORPUS_ROOT, "seed", "hi-container-seccomp.json")]);
      assert.equal(two.code, 2);
      assert.match(two.err, /different names; choose the merged profile's with --name/);
      const one = cli(["merge", join(CORPUS_ROOT, "seed", "hi-pod-seccomp.json")]);
      assert.equal(one.code, 2);
      assert.match(one.err, /merge takes two or more profiles, found 1/);
    });
  });
});

describe("diff", () => {
  it("per architecture: a syscall counts only where it exists", () => {
    const a = base([allow(["read", "open"])]);
    const b = base([allow(["read", "openat"])]);
    const diff = diffSpecs(a, b);
    assert.equal(diff.same, false);
    assert.deepEqual(
      diff.architectures.map((x) => [x.architecture, x.allowedOnlyByA, x.allowedOnlyByB]),
      [
        ["SCMP_ARCH_X86_64", ["open"], ["openat"]],
        ["SCMP_ARCH_AARCH64", [], ["openat"]],
      ],
    );
  });

  it("changed actions, errno values and argument conditions; default action, architectures and flags", () => {
    const a = base([allow(["read"]), { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }, { ...allow(["personality"]), args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] }]);
    const b = base(
      [{ names: ["read"], action: "SCMP_ACT_LOG" }, { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }, { ...allow(["personality"]), args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] }],
      { architectures: ["SCMP_ARCH_X86_64"], flags: ["SECCOMP_FILTER_FLAG_LOG"], defaultErrnoRet: 38 },
    );
    const diff = diffSpecs(a, b);
    assert.deepEqual(diff.defaultAction, { a: "SCMP_ACT_ERRNO (errno 1)", b: "SCMP_ACT_ERRNO (errno 38)" });
    assert.deepEqual(diff.architecturesOnlyInA, ["SCMP_ARCH_AARCH64"]);
    assert.deepEqual(diff.flagsOnlyInB, ["SECCOMP_FILTER_FLAG_LOG"]);
    assert.deepEqual(diff.architectures[0]!.changed, [
      { syscall: "mkdir", kind: "action", a: "SCMP_ACT_ERRNO (errno 1)", b: "SCMP_ACT_ERRNO (errno 13)" },
      {
        syscall: "personality",
        kind: "conditions",
        a: "SCMP_ACT_ALLOW if arg0 == 0; otherwise SCMP_ACT_ERRNO (errno 1)",
        b: "SCMP_ACT_ALLOW if arg0 == 8; otherwise SCMP_ACT_ERRNO (errno 38)",
      },
      { syscall: "read", kind: "action", a: "SCMP_ACT_ALLOW", b: "SCMP_ACT_LOG" },
    ]);
  });

  it("an ERRNO rule without errnoRet is EPERM, as runc makes it", () => {
    const diff = diffSpecs(base([allow(["read"]), { names: ["mkdir"], action: "SCMP_ACT_ERRNO" }]), base([allow(["read"]), { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }]));
    assert.equal(diff.same, true);
  });

  describe("the command", () => {
    const seed = (name: string) => join(CORPUS_ROOT, "seed", `${name}-seccomp.json`);

    it("exit 0 for a profile and its own rendered file, read from stdin", () => {
      const rendered = cli(["render", seed("medium-basic")]).out;
      const result = cli(["diff", seed("medium-basic"), "-"], rendered);
      assert.equal(result.code, 0, result.out + result.err);
      assert.match(result.out, /no difference\n$/);
    });

    it("exit 1 with the differences, grouped by architecture; -o json for machines", () => {
      const result = cli(["diff", seed("hi-pod"), seed("hi-container")]);
      assert.equal(result.code, 1);
      assert.match(result.out, /^--- A .*hi-pod-seccomp\.json#1\n\+\+\+ B .*hi-container-seccomp\.json#1\n/);
      const json = JSON.parse(cli(["diff", "-o", "json", seed("hi-pod"), seed("hi-container")]).out) as { same: boolean; architectures: { architecture: string }[] };
      assert.equal(json.same, false);
      assert.ok(json.architectures.length > 0);
    });

    it("usage: two paths, one profile each", () => {
      assert.equal(cli(["diff", seed("hi-pod")]).code, 2);
      const many = cli(["diff", join(CORPUS_ROOT, "seed"), seed("hi-pod")]);
      assert.equal(many.code, 2);
      assert.match(many.err, /expected one profile, found .*; choose one with --name/);
    });
  });
});
