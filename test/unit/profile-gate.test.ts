import assert from "node:assert/strict";
import type { SeccompNodeStatus } from "../../src/api/node-status.js";
import type { SeccompProfile } from "../../src/api/seccomp-profile.js";
import { DigestSalt } from "../../src/api/digest-salt.js";
import { InstallDigest } from "../../src/api/install-digest.js";
import { ProfileCompiles } from "../../src/controller/profiles/profile-compiles.js";
import { ProfileGate } from "../../src/controller/profiles/profile-gate.js";
import { ProfileHashes } from "../../src/controller/profiles/profile-hashes.js";
import { compileObject } from "../../src/profile/compile.js";

/** The cluster's salt in these tests. */
const SALT = new DigestSalt(Buffer.alloc(32, 7));

const spec = (...names: string[]) => ({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", ...names], action: "SCMP_ACT_ALLOW" }] });

/** The profile cache as the informer shows it: objects by key, and add and delete events. */
function profileCache() {
  const profiles = new Map<string, SeccompProfile>();
  const handlers: { onAdd?: (p: SeccompProfile) => void; onDelete?: (p: SeccompProfile) => void }[] = [];
  const cache = { get: (k: string) => profiles.get(k), addHandler: (h: (typeof handlers)[number]) => void handlers.push(h) } as unknown as ConstructorParameters<typeof ProfileHashes>[0];
  const put = (ns: string, name: string, metadata: { resourceVersion: string; uid?: string; generation?: number }, body: object) => {
    const object = { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace: ns, name, ...metadata }, spec: body } as SeccompProfile;
    const isNew = !profiles.has(`${ns}/${name}`);
    profiles.set(`${ns}/${name}`, object);
    if (isNew) for (const h of handlers) h.onAdd?.(object);
    return object;
  };
  const remove = (ns: string, name: string) => {
    const object = profiles.get(`${ns}/${name}`)!;
    profiles.delete(`${ns}/${name}`);
    for (const h of handlers) h.onDelete?.(object);
  };
  return { profiles, cache, put, remove };
}

/** The engine's compile, counted: which profiles were compiled, in order. */
function countedCompile() {
  const calls: string[] = [];
  const compile: typeof compileObject = (object, lookup, catalogue) => {
    calls.push(`${object.metadata.namespace}/${object.metadata.name}`);
    return compileObject(object, lookup, catalogue);
  };
  return { calls, compile };
}

describe("profile gate", () => {
  const { profiles, cache, put } = profileCache();
  const statuses: SeccompNodeStatus[] = [];
  const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat" });
  const gate = new ProfileGate({ profiles: cache, hashes: new ProfileHashes(cache, compiles, SALT), compiles, nodeStatuses: { list: () => statuses }, heartbeatAge: () => 0, catalogueNamespace: "cat", staleAfterMs: 60_000 });
  const report = (node: string, installed: Record<string, string>) => {
    const digest = new InstallDigest();
    for (const [key, hash] of Object.entries(installed)) digest.toggle(SALT.bucketOf(key), key, hash);
    return { metadata: { name: node }, status: { heartbeatTime: new Date().toISOString(), installed: { saltId: SALT.id, count: Object.keys(installed).length, digests: digest.encode() } } } as unknown as SeccompNodeStatus;
  };

  it("is ready only when every live node has the current hash, resolving in the namespace, then the catalogue", () => {
    put("cat", "base", { resourceVersion: "1" }, spec("read"));
    put("shop", "web", { resourceVersion: "1" }, { ...spec("write"), baseProfileName: "base" });
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
    put("cat", "base", { resourceVersion: "2" }, spec("read", "openat"));
    const second = gate.compile(profiles.get("shop/web")!);
    assert.notEqual(second, first);
    assert.ok(first.ok && second.ok && first.value.rendered.hash !== second.value.rendered.hash, "the base's change is in the child's hash");
    put("shop", "web", { resourceVersion: "2" }, { ...spec("write"), baseProfileName: "gone" });
    const third = gate.compile(profiles.get("shop/web")!);
    assert.equal(third.ok, false);
    assert.equal(gate.lookup("shop", "web").state, "invalid");
  });
});

describe("the controller's compiles", () => {
  it("compile a profile once per change, for the gate and the expected hashes alike", () => {
    const { cache, put } = profileCache();
    const { calls, compile } = countedCompile();
    const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat", compile });
    const hashes = new ProfileHashes(cache, compiles, SALT);
    const gate = new ProfileGate({ profiles: cache, hashes, compiles, nodeStatuses: { list: () => [] }, heartbeatAge: () => undefined, catalogueNamespace: "cat", staleAfterMs: 60_000 });
    // A costly profile: the most names the schema allows.
    const costly = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [0, 1, 2, 3].map((k) => ({ names: Array.from({ length: 1024 }, (_, i) => `zz${k}_${i}`), action: "SCMP_ACT_ALLOW" })) };
    const v1 = put("tenant", "costly", { resourceVersion: "10", uid: "u1", generation: 1 }, costly);
    const first = gate.compile(v1);
    assert.equal(first.ok, false);
    assert.equal(hashes.expected("tenant/costly"), undefined);
    gate.lookup("tenant", "costly");
    assert.deepEqual(calls, ["tenant/costly"], "the gate, the expected hashes and admission share one compile");
    // A status write (and any metadata change) leaves the generation alone: nothing to compile again.
    const statusWritten = put("tenant", "costly", { resourceVersion: "11", uid: "u1", generation: 1 }, costly);
    assert.equal(gate.compile(statusWritten), first);
    assert.equal(calls.length, 1);
    // A change of the spec is compiled once, whoever asks first.
    put("tenant", "costly", { resourceVersion: "12", uid: "u1", generation: 2 }, spec("read"));
    const hash = hashes.expected("tenant/costly");
    assert.ok(hash !== undefined);
    const again = gate.lookup("tenant", "costly");
    assert.equal(again.state, "pending");
    assert.deepEqual(calls, ["tenant/costly", "tenant/costly"]);
    // Deleted and created again under the same name, at generation 1 again: another profile.
    put("tenant", "costly", { resourceVersion: "13", uid: "u2", generation: 1 }, spec("write"));
    assert.notEqual(hashes.expected("tenant/costly"), hash);
    assert.equal(calls.length, 3);
  });

  it("keep a compile's JSON and hash, and give its document back parsed from the JSON", () => {
    const { cache, put } = profileCache();
    const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat" });
    const object = put("tenant", "web", { resourceVersion: "1", uid: "u", generation: 1 }, spec("read", "write"));
    const engine = compileObject(object, () => undefined, "cat");
    const kept = compiles.compile(object);
    assert.ok(engine.ok && kept.ok);
    assert.deepEqual([kept.value.rendered.json, kept.value.rendered.hash], [engine.value.rendered.json, engine.value.rendered.hash]);
    assert.deepEqual(kept.value.rendered.document, engine.value.rendered.document);
    assert.equal(compiles.compile(object), kept, "the kept result, not a new one");
  });

  it("compile a child again when a base it read appears, changes or goes", () => {
    const { cache, put, remove } = profileCache();
    const { calls, compile } = countedCompile();
    const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat", compile });
    put("cat", "base", { resourceVersion: "1", uid: "b", generation: 1 }, spec("read"));
    const child = put("shop", "web", { resourceVersion: "1", uid: "w", generation: 1 }, { ...spec("write"), baseProfileName: "base" });
    const fromCatalogue = compiles.compile(child);
    assert.equal(compiles.compile(child), fromCatalogue);
    // The same name in the child's own namespace comes first, so its appearance counts.
    put("shop", "base", { resourceVersion: "1", uid: "own", generation: 1 }, spec("openat"));
    const fromOwn = compiles.compile(child);
    assert.ok(fromOwn.ok && fromCatalogue.ok && fromOwn.value.rendered.hash !== fromCatalogue.value.rendered.hash);
    remove("shop", "base");
    remove("cat", "base");
    assert.equal(compiles.compile(child).ok, false);
    assert.deepEqual(calls, ["shop/web", "shop/web", "shop/web"]);
  });

  it("keep at most their budget, dropping the least recently used and the deleted", () => {
    const { cache, put, remove } = profileCache();
    const { calls, compile } = countedCompile();
    const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat", compile, maxEntries: 2 });
    const a = put("t", "a", { resourceVersion: "1", uid: "a", generation: 1 }, spec("read"));
    const b = put("t", "b", { resourceVersion: "1", uid: "b", generation: 1 }, spec("write"));
    const c = put("t", "c", { resourceVersion: "1", uid: "c", generation: 1 }, spec("openat"));
    compiles.compile(a);
    compiles.compile(b);
    compiles.compile(a);
    compiles.compile(c);
    assert.deepEqual(compiles.size.entries, 2);
    compiles.compile(a);
    compiles.compile(c);
    assert.deepEqual(calls, ["t/a", "t/b", "t/c"], "b, used least recently, was dropped; a and c kept");
    compiles.compile(b);
    assert.deepEqual(calls.at(-1), "t/b");
    remove("t", "b");
    remove("t", "a");
    assert.equal(compiles.size.entries, 1, "deleted profiles' compiles go with them");

    // By weight: a budget for one and a half compiles keeps one.
    const measure = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat" });
    measure.compile(c);
    const budget = 1.5 * measure.size.weight;
    const light = new ProfileCompiles({ profiles: cache, catalogueNamespace: "cat", maxBytes: budget });
    const d = put("t", "d", { resourceVersion: "1", uid: "d", generation: 1 }, spec("close"));
    light.compile(c);
    light.compile(d);
    assert.equal(light.size.entries, 1);
    assert.ok(light.size.weight <= budget);
  });
});
