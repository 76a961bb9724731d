import assert from "node:assert/strict";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import { renderProfile } from "../../src/profile/render.js";
import { resolveSpec, type BaseLookup } from "../../src/profile/resolve.js";

const catalogue = (profiles: Record<string, ProfileSpec>): BaseLookup => (name, from) => {
  const namespace = from.split("/")[0];
  for (const key of [`${namespace}/${name}`, `catalogue/${name}`]) {
    const spec = profiles[key];
    if (spec !== undefined) return { key, spec };
  }
  return undefined;
};

const runtime: ProfileSpec = {
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  flags: ["SECCOMP_FILTER_FLAG_LOG"],
  syscalls: [
    { names: ["exit", "exit_group", "rt_sigreturn", "ptrace"], action: "SCMP_ACT_ALLOW" },
    { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
  ],
};

describe("base profile resolution", () => {
  it("unites rules, and the child's defaultAction wins", () => {
    const child: ProfileSpec = { baseProfileName: "runtime", defaultAction: "SCMP_ACT_LOG", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] };
    const result = resolveSpec("app/web", child, catalogue({ "catalogue/runtime": runtime }));
    assert.ok(result.ok);
    assert.deepEqual(result.value.chain, ["app/web", "catalogue/runtime"]);
    assert.equal(result.value.spec.defaultAction, "SCMP_ACT_LOG");
    const names = renderProfile(result.value.spec).document.syscalls.flatMap((r) => r.names).sort();
    assert.deepEqual(names, ["exit", "exit_group", "mkdir", "ptrace", "read", "rt_sigreturn"]);
    assert.deepEqual(result.value.spec.architectures, ["SCMP_ARCH_X86_64"]);
    assert.deepEqual(result.value.spec.flags, ["SECCOMP_FILTER_FLAG_LOG"]);
    assert.equal("baseProfileName" in result.value.spec, false);
  });

  it("lets the child decide a syscall the base also names, without a conflict", () => {
    const child: ProfileSpec = { baseProfileName: "runtime", defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["ptrace"], action: "SCMP_ACT_ERRNO" }] };
    const result = resolveSpec("app/web", child, catalogue({ "app/runtime": runtime }));
    assert.ok(result.ok);
    const rules = renderProfile(result.value.spec).document.syscalls;
    assert.ok(rules.some((r) => r.action === "SCMP_ACT_ERRNO" && r.names.includes("ptrace") && r.errnoRet === undefined));
    assert.ok(!rules.some((r) => r.action === "SCMP_ACT_ALLOW" && r.names.includes("ptrace")));
  });

  it("prefers the profile's own namespace over the catalogue", () => {
    const own: ProfileSpec = { defaultAction: "SCMP_ACT_KILL_PROCESS", syscalls: [{ names: ["exit"], action: "SCMP_ACT_ALLOW" }] };
    const result = resolveSpec("app/web", { baseProfileName: "runtime", defaultAction: "SCMP_ACT_ERRNO" }, catalogue({ "catalogue/runtime": runtime, "app/runtime": own }));
    assert.ok(result.ok);
    assert.deepEqual(result.value.chain, ["app/web", "app/runtime"]);
  });

  it("takes architectures from the nearest profile that lists some", () => {
    const middle: ProfileSpec = { baseProfileName: "runtime", defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_AARCH64"] };
    const result = resolveSpec("app/web", { baseProfileName: "middle", defaultAction: "SCMP_ACT_ERRNO" }, catalogue({ "app/middle": middle, "app/runtime": runtime }));
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec.architectures, ["SCMP_ARCH_AARCH64"]);
    assert.deepEqual(result.value.chain, ["app/web", "app/middle", "app/runtime"]);
  });

  it("reports a missing base with the chain", () => {
    const result = resolveSpec("app/web", { baseProfileName: "middle", defaultAction: "SCMP_ACT_ERRNO" }, catalogue({ "app/middle": { baseProfileName: "gone", defaultAction: "SCMP_ACT_ERRNO" } }));
    assert.ok(!result.ok);
    assert.equal(result.error.rule, "base-not-found");
    assert.match(result.error.message, /app\/web -> app\/middle -> gone/);
  });

  it("refuses a cycle and shows it", () => {
    const result = resolveSpec(
      "app/a",
      { baseProfileName: "b", defaultAction: "SCMP_ACT_ERRNO" },
      catalogue({ "app/b": { baseProfileName: "c", defaultAction: "SCMP_ACT_ERRNO" }, "app/c": { baseProfileName: "a", defaultAction: "SCMP_ACT_ERRNO" }, "app/a": { baseProfileName: "b", defaultAction: "SCMP_ACT_ERRNO" } }),
    );
    assert.ok(!result.ok);
    assert.equal(result.error.rule, "base-cycle");
    assert.equal(result.error.path, "spec.baseProfileName");
    assert.match(result.error.message, /app\/a -> app\/b -> app\/c -> app\/a/);
  });

  it("refuses a profile that is its own base", () => {
    const self: ProfileSpec = { baseProfileName: "a", defaultAction: "SCMP_ACT_ERRNO" };
    const result = resolveSpec("app/a", self, catalogue({ "app/a": self }));
    assert.ok(!result.ok);
    assert.equal(result.error.rule, "base-cycle");
  });

  it("accepts a chain of 10 bases and refuses 11", () => {
    const chain = (length: number) => {
      const profiles: Record<string, ProfileSpec> = {};
      for (let i = 1; i <= length; i++) {
        profiles[`app/p${i}`] = i === length ? { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: [`exit`], action: "SCMP_ACT_ALLOW" }] } : { baseProfileName: `p${i + 1}`, defaultAction: "SCMP_ACT_ERRNO" };
      }
      return resolveSpec("app/p0", { baseProfileName: "p1", defaultAction: "SCMP_ACT_ERRNO" }, catalogue(profiles));
    };
    const ten = chain(10);
    assert.ok(ten.ok);
    assert.equal(ten.value.chain.length, 11);
    const eleven = chain(11);
    assert.ok(!eleven.ok);
    assert.equal(eleven.error.rule, "base-too-deep");
    assert.match(eleven.error.message, /app\/p0 -> app\/p1 -> .* -> app\/p11/);
  });

  it("passes on a lookup's refusal, such as another tenant's namespace", () => {
    const result = resolveSpec("app/web", { baseProfileName: "x", defaultAction: "SCMP_ACT_ERRNO" }, () => ({ error: "profile x is in namespace other, which app may not use" }));
    assert.ok(!result.ok);
    assert.equal(result.error.rule, "base-not-allowed");
    assert.match(result.error.message, /may not use/);
  });
});

describe("dependents of a base profile", () => {
  const p = (namespace: string, name: string, base?: string) => ({ metadata: { namespace, name }, spec: base === undefined ? {} : { baseProfileName: base } });
  const all = [p("catalogue", "runtime"), p("catalogue", "web", "runtime"), p("team", "shop", "web"), p("team", "api", "runtime"), p("other", "x", "shop"), p("team", "loop-a", "loop-b"), p("team", "loop-b", "loop-a")];
  const names = (list: { metadata: { namespace: string; name: string } }[]) => list.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).sort();

  it("finds children and grandchildren, across into tenants only from the catalogue", async () => {
    const { dependentsOf } = await import("../../src/profile/dependents.js");
    assert.deepEqual(names(dependentsOf(all[0]!, all, "catalogue")), ["catalogue/web", "team/api", "team/shop"]);
    assert.deepEqual(names(dependentsOf(all[2]!, all, "catalogue")), [], "other/x cannot resolve team/shop");
  });

  it("stops at cycles", async () => {
    const { dependentsOf } = await import("../../src/profile/dependents.js");
    assert.deepEqual(names(dependentsOf(all[5]!, all, "catalogue")), ["team/loop-a", "team/loop-b"]);
  });

  it("finds the same through an index by base name, kept current as profiles change", async () => {
    const { BaseNameIndex, dependentsOf } = await import("../../src/profile/dependents.js");
    const index = new BaseNameIndex<(typeof all)[number]>();
    for (const profile of all) index.update(undefined, profile);
    const by = (name: string) => index.naming(name);
    assert.deepEqual(names(dependentsOf(all[0]!, by, "catalogue")), ["catalogue/web", "team/api", "team/shop"]);
    // team/api no longer builds on runtime; team/shop is deleted.
    index.update(all[3], p("team", "api"));
    index.update(all[2], undefined);
    assert.deepEqual(names(dependentsOf(all[0]!, by, "catalogue")), ["catalogue/web"]);
  });
});
