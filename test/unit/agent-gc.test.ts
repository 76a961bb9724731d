import assert from "node:assert/strict";
import { PinnedCollector } from "../../src/agent/pinned-gc.js";
import { localhostProfilesOf } from "../../src/api/pod-seccomp.js";
import { parsePinnedPath, pinnedKey } from "../../src/api/node-paths.js";
import { NodeState } from "../../src/agent/node-state.js";

const hash = (c: string) => c.repeat(64);

describe("agent: pods and pinned files", () => {
  it("finds Localhost profiles at pod, container, init and ephemeral container level", () => {
    const sp = (path: string) => ({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: path } } });
    const pod = {
      spec: {
        ...sp("operator/a/pod.json"),
        containers: [sp("operator/a/c.json"), { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, {}],
        initContainers: [sp("operator/a/init.json")],
        ephemeralContainers: [sp("operator/a/c.json")],
      },
    };
    assert.deepEqual(localhostProfilesOf(pod).sort(), ["operator/a/c.json", "operator/a/init.json", "operator/a/pod.json"]);
    assert.deepEqual(localhostProfilesOf({}), []);
  });

  it("parses pinned paths and nothing else", () => {
    assert.deepEqual(parsePinnedPath(`operator/team/web/${hash("a")}.json`), { namespace: "team", name: "web", hash: hash("a") });
    for (const path of ["operator/team/web.json", `other/team/web/${hash("a")}.json`, `operator/team/web/${hash("a")}.json.bak`, `operator/../web/${hash("a")}.json`, `operator/team/web/${"A".repeat(64)}.json`]) {
      assert.equal(parsePinnedPath(path), undefined, path);
    }
  });

  it("removes an unused pinned file only after the grace period, and never one in use", () => {
    const gc = new PinnedCollector(1000);
    const a = { namespace: "t", name: "web", hash: hash("a") };
    const b = { namespace: "t", name: "web", hash: hash("b") };
    const inUse = new Set([pinnedKey(a)]);
    assert.deepEqual(gc.collect([a, b], inUse, 0), []);
    assert.equal(gc.pending(), 1);
    assert.deepEqual(gc.collect([a, b], inUse, 999), []);
    assert.deepEqual(gc.collect([a, b], inUse, 1000), [b]);
    assert.deepEqual(gc.collect([a], new Set(), 5000), [], "a newly unused file starts its own grace period");
    assert.deepEqual(gc.collect([a], new Set(), 6000), [a]);
  });

  it("restarts the grace period when a file comes back into use", () => {
    const gc = new PinnedCollector(1000);
    const a = { namespace: "t", name: "web", hash: hash("a") };
    gc.collect([a], new Set(), 0);
    gc.collect([a], new Set([pinnedKey(a)]), 500);
    assert.deepEqual(gc.collect([a], new Set(), 1200), []);
    assert.deepEqual(gc.collect([a], new Set(), 2200), [a]);
  });

  it("tracks installed hashes and failures, signalling only real changes", () => {
    const state = new NodeState();
    let changes = 0;
    state.onChange(() => changes++);
    state.setInstalled("t/web", hash("a"));
    state.setInstalled("t/web", hash("a"));
    assert.equal(changes, 1);
    state.setFailed("t/web", { reason: "invalid" });
    state.setFailed("t/web", { reason: "invalid" });
    assert.equal(changes, 2);
    assert.equal(state.installed.get("t/web"), hash("a"), "a failure keeps the installed hash");
    state.setInstalled("t/web", hash("a"));
    assert.equal(state.failures.size, 0, "installing clears the failure");
    assert.equal(changes, 3);
    state.remove("t/web");
    assert.equal(state.installed.size, 0);
    assert.equal(state.revision, 4);
  });
});

describe("agent: what the profile cache keeps", () => {
  it("keeps the identity, the spec and the hashes in use, drops the rest of the metadata and of the status", async () => {
    const { agentProfileShape } = await import("../../src/agent/profile-installer.js");
    const spec = { defaultAction: "SCMP_ACT_ERRNO" as const };
    const profile = {
      apiVersion: "seccomp.operator.dev/v1alpha1" as const,
      kind: "SeccompProfile" as const,
      metadata: { name: "web", namespace: "t", resourceVersion: "3", uid: "u", labels: { a: "b" }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(4096) }, managedFields: [{ manager: "x" }] },
      spec,
      status: { hash: "a".repeat(64), hashesInUse: ["b".repeat(64)], findings: [{ rule: "r", severity: "warning" as const, message: "m".repeat(1000) }] },
    };
    assert.deepEqual(agentProfileShape(profile as never), { apiVersion: profile.apiVersion, kind: profile.kind, metadata: { name: "web", namespace: "t", resourceVersion: "3" }, spec, status: { hashesInUse: ["b".repeat(64)] } });
    assert.deepEqual(agentProfileShape({ ...profile, status: undefined } as never).status, undefined);
  });

  it("keeps one copy of each spec: the one its compile checked", async () => {
    const { agentProfileShape } = await import("../../src/agent/profile-installer.js");
    const { entryOf } = await import("../../src/profile/compile.js");
    const profile = { apiVersion: "seccomp.operator.dev/v1alpha1" as const, kind: "SeccompProfile" as const, metadata: { name: "web", namespace: "t" }, spec: { defaultAction: "SCMP_ACT_ERRNO" as const, syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" as const }] } };
    const cached = agentProfileShape(profile as never);
    assert.equal(entryOf(cached).spec, cached.spec, "the cached spec is the checked one, not a second copy");
    assert.notEqual(cached.spec, profile.spec);
    const invalid = agentProfileShape({ ...profile, spec: { defaultAction: "SCMP_ACT_NOPE" } } as never);
    assert.deepEqual(invalid.spec, { defaultAction: "SCMP_ACT_NOPE" }, "an invalid spec is kept as written, for its errors");
  });
});
