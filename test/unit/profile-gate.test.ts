import assert from "node:assert/strict";
import type { SeccompNodeStatus } from "../../src/api/node-status.js";
import type { SeccompProfile } from "../../src/api/seccomp-profile.js";
import { ProfileGate } from "../../src/controller/profiles/profile-gate.js";

const spec = (...names: string[]) => ({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", ...names], action: "SCMP_ACT_ALLOW" }] });

describe("profile gate", () => {
  const profiles = new Map<string, SeccompProfile>();
  const statuses: SeccompNodeStatus[] = [];
  const put = (ns: string, name: string, rv: string, body: object) => profiles.set(`${ns}/${name}`, { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace: ns, name, resourceVersion: rv }, spec: body } as SeccompProfile);
  const gate = new ProfileGate({ profiles: { get: (k) => profiles.get(k) }, nodeStatuses: { list: () => statuses }, heartbeatSeenAt: () => Date.now(), catalogueNamespace: "cat", staleAfterMs: 60_000 });
  const report = (node: string, installed: Record<string, string>) => ({ metadata: { name: node }, status: { heartbeatTime: new Date().toISOString(), profiles: installed } }) as unknown as SeccompNodeStatus;

  it("is ready only when every live node has the current hash, resolving in the namespace, then the catalogue", () => {
    put("cat", "base", "1", spec("read"));
    put("shop", "web", "1", { ...spec("write"), baseProfileName: "base" });
    const web = gate.compile(profiles.get("shop/web")!);
    assert.ok(web.ok);
    const base = gate.compile(profiles.get("cat/base")!);
    assert.ok(base.ok);
    statuses.splice(0, statuses.length, report("n1", { "shop/web": web.value.rendered.hash, "cat/base": base.value.rendered.hash }), report("n2", { "cat/base": base.value.rendered.hash }));
    assert.equal(gate.lookup("shop", "web").state, "pending");
    assert.deepEqual(gate.lookup("shop", "base"), { state: "ready", key: "cat/base", hash: base.value.rendered.hash });
    assert.deepEqual(gate.lookup("shop", "none"), { state: "missing" });
  });

  it("reuses a compile until the profile or a base it read changes", () => {
    const first = gate.compile(profiles.get("shop/web")!);
    assert.equal(gate.compile(profiles.get("shop/web")!), first);
    put("cat", "base", "2", spec("read", "openat"));
    const second = gate.compile(profiles.get("shop/web")!);
    assert.notEqual(second, first);
    assert.ok(first.ok && second.ok && first.value.rendered.hash !== second.value.rendered.hash, "the base's change is in the child's hash");
    put("shop", "web", "2", { ...spec("write"), baseProfileName: "gone" });
    const third = gate.compile(profiles.get("shop/web")!);
    assert.equal(third.ok, false);
    assert.equal(gate.lookup("shop", "web").state, "invalid");
  });
});
