import assert from "node:assert/strict";
import type { SeccompNodeStatus } from "../../src/api/node-status.js";
import type { SeccompProfile } from "../../src/api/seccomp-profile.js";
import { InstallDigest } from "../../src/api/install-digest.js";
import { ProfileGate } from "../../src/controller/profiles/profile-gate.js";
import { ProfileHashes } from "../../src/controller/profiles/profile-hashes.js";

const spec = (...names: string[]) => ({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", ...names], action: "SCMP_ACT_ALLOW" }] });

describe("profile gate", () => {
  const profiles = new Map<string, SeccompProfile>();
  const statuses: SeccompNodeStatus[] = [];
  const added: ((p: SeccompProfile) => void)[] = [];
  // The profile cache as the informer shows it: objects by key, and an add event for each new one.
  const cache = { get: (k: string) => profiles.get(k), addHandler: (h: { onAdd?: (p: SeccompProfile) => void }) => void (h.onAdd && added.push(h.onAdd)) } as unknown as ConstructorParameters<typeof ProfileHashes>[0];
  const put = (ns: string, name: string, rv: string, body: object) => {
    const object = { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace: ns, name, resourceVersion: rv }, spec: body } as SeccompProfile;
    const isNew = !profiles.has(`${ns}/${name}`);
    profiles.set(`${ns}/${name}`, object);
    if (isNew) for (const onAdd of added) onAdd(object);
  };
  const gate = new ProfileGate({ profiles: cache, hashes: new ProfileHashes(cache, "cat"), nodeStatuses: { list: () => statuses }, heartbeatAge: () => 0, catalogueNamespace: "cat", staleAfterMs: 60_000 });
  const report = (node: string, installed: Record<string, string>) => {
    const digest = new InstallDigest();
    for (const [key, hash] of Object.entries(installed)) digest.toggle(key, hash);
    return { metadata: { name: node }, status: { heartbeatTime: new Date().toISOString(), installed: { count: Object.keys(installed).length, digests: digest.encode() } } } as unknown as SeccompNodeStatus;
  };

  it("is ready only when every live node has the current hash, resolving in the namespace, then the catalogue", () => {
    put("cat", "base", "1", spec("read"));
    put("shop", "web", "1", { ...spec("write"), baseProfileName: "base" });
    const web = gate.compile(profiles.get("shop/web")!);
    assert.ok(web.ok);
    const base = gate.compile(profiles.get("cat/base")!);
    assert.ok(base.ok);
    statuses.splice(0, statuses.length, report("n1", { "shop/web": web.value.hash, "cat/base": base.value.hash }), report("n2", { "cat/base": base.value.hash }));
    assert.equal(gate.lookup("shop", "web").state, "pending");
    assert.deepEqual(gate.lookup("shop", "base"), { state: "ready", key: "cat/base", hash: base.value.hash });
    assert.deepEqual(gate.lookup("shop", "none"), { state: "missing" });
  });

  it("reuses a compile until the profile or a base it read changes", () => {
    const first = gate.compile(profiles.get("shop/web")!);
    assert.equal(gate.compile(profiles.get("shop/web")!), first);
    put("cat", "base", "2", spec("read", "openat"));
    const second = gate.compile(profiles.get("shop/web")!);
    assert.notEqual(second, first);
    assert.ok(first.ok && second.ok && first.value.hash !== second.value.hash, "the base's change is in the child's hash");
    put("shop", "web", "2", { ...spec("write"), baseProfileName: "gone" });
    const third = gate.compile(profiles.get("shop/web")!);
    assert.equal(third.ok, false);
    assert.equal(gate.lookup("shop", "web").state, "invalid");
  });
});
