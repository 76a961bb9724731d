import assert from "node:assert/strict";
import { mergeConditions } from "../../src/controller/profiles/condition-merge.js";
import { aggregate, changedKeys } from "../../src/controller/nodes/node-aggregation.js";
import { computeStatus, type ProfileObservation } from "../../src/controller/profiles/status-computation.js";
import { UsageIndex } from "../../src/controller/workloads/usage-index.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
const now = Date.parse("2026-11-28T12:00:00Z");
const beat = (agoMs: number) => new Date(now - agoMs).toISOString();
const report = (agoMs: number, profiles: Record<string, string>, failures: { profile: string; reason: string }[] = []) => ({
  agentVersion: "0.1.0",
  heartbeatTime: beat(agoMs),
  profiles,
  failures,
});

describe("controller: node aggregation", () => {
  it("counts live nodes with the current hash, and names failing, waiting and stale nodes", () => {
    const result = aggregate(
      "t/web",
      H2,
      [
        { node: "a", report: report(1000, { "t/web": H2 }) },
        { node: "b", report: report(1000, { "t/web": H1 }) },
        { node: "c", report: report(1000, { "t/web": H1 }, [{ profile: "t/web", reason: "symlink at operator" }]) },
        { node: "d", report: report(120_000, { "t/web": H2 }) },
        { node: "e", report: undefined },
      ],
      now,
      90_000,
    );
    assert.deepEqual(result, { installed: 1, total: 3, failing: [{ node: "c", reason: "symlink at operator" }], waiting: ["b"], stale: ["d", "e"] });
  });

  it("tells which profiles a node's new report changed, ignoring heartbeats", () => {
    const before = report(5000, { "t/a": H1, "t/b": H1 });
    const after = report(0, { "t/a": H1, "t/b": H2, "t/c": H1 }, [{ profile: "t/d", reason: "x" }]);
    assert.deepEqual([...changedKeys(before, after)].sort(), ["t/b", "t/c", "t/d"]);
    assert.deepEqual([...changedKeys(before, { ...before, heartbeatTime: beat(0) })], []);
  });
});

describe("controller: profile status", () => {
  const base = (over: Partial<ProfileObservation> = {}): ProfileObservation => ({
    namespace: "t",
    name: "web",
    generation: 3,
    previous: undefined,
    compiled: { ok: true, hash: H2, findings: [] },
    nodes: { installed: 2, total: 2, failing: [], waiting: [], stale: [] },
    usedBy: [],
    hashesInUse: [],
    workloadFindings: [],
    failureFindings: [],
    ...over,
  });
  const condition = (status: ReturnType<typeof computeStatus>["status"], type: string) => status.conditions!.find((c) => c.type === type)!;

  it("is Ready when valid and installed on every live node, with observedGeneration everywhere", () => {
    const { status, ready } = computeStatus(base(), new Date(now));
    assert.equal(ready, true);
    assert.deepEqual(status.conditions!.map((c) => [c.type, c.status, c.reason, c.observedGeneration]), [
      ["Valid", "True", "Valid", 3],
      ["Installed", "True", "InstalledOnAllNodes", 3],
      ["Ready", "True", "Ready", 3],
    ]);
    assert.equal(status.hash, H2);
    assert.equal(status.localhostProfile, "operator/t/web.json");
    assert.equal(status.nodes!.summary, "2/2");
    assert.equal(status.observedGeneration, 3);
  });

  it("waits, naming the nodes, while installation is under way", () => {
    const { status, ready } = computeStatus(base({ nodes: { installed: 1, total: 3, failing: [], waiting: ["b", "c"], stale: ["z"] } }), new Date(now));
    assert.equal(ready, false);
    assert.deepEqual([condition(status, "Installed").reason, condition(status, "Ready").reason], ["Installing", "Installing"]);
    assert.match(condition(status, "Installed").message, /^1\/3 live nodes; waiting for b, c; agents not reporting \(not counted\): z$/);
  });

  it("reports failures with the node's reason, and no agents as its own reason", () => {
    const failed = computeStatus(base({ nodes: { installed: 1, total: 2, failing: [{ node: "b", reason: "symlink at operator" }], waiting: [], stale: [] } }), new Date(now));
    assert.match(condition(failed.status, "Installed").message, /failed on b \(b: symlink at operator\)/);
    const none = computeStatus(base({ nodes: { installed: 0, total: 0, failing: [], waiting: [], stale: [] } }), new Date(now));
    assert.equal(condition(none.status, "Installed").reason, "NoAgents");
    assert.equal(none.ready, false);
  });

  it("keeps the last valid hash visible while an update is invalid", () => {
    const previous = computeStatus(base(), new Date(now)).status;
    const { status } = computeStatus(
      base({ previous, compiled: { ok: false, errors: [{ rule: "unknown-syscall", severity: "error", path: "spec.syscalls[0].names[0]", message: "exit_grup is not a syscall" }] } }),
      new Date(now + 1000),
    );
    assert.equal(status.hash, H2);
    assert.deepEqual([condition(status, "Valid").status, condition(status, "Valid").message], ["False", "spec.syscalls[0].names[0]: exit_grup is not a syscall"]);
  });

  it("changes lastTransitionTime only when a condition's status changes", () => {
    const first = computeStatus(base({ nodes: { installed: 1, total: 2, failing: [], waiting: ["b"], stale: [] } }), new Date(now)).status;
    const same = computeStatus(base({ previous: first, nodes: { installed: 1, total: 2, failing: [], waiting: ["b"], stale: [] } }), new Date(now + 60_000)).status;
    assert.deepEqual(same, first, "a resync that finds nothing new computes the same status");
    const later = computeStatus(base({ previous: first }), new Date(now + 120_000)).status;
    assert.equal(condition(later, "Valid").lastTransitionTime, condition(first, "Valid").lastTransitionTime);
    assert.notEqual(condition(later, "Ready").lastTransitionTime, condition(first, "Ready").lastTransitionTime);
  });

  it("says who blocks a deletion", () => {
    const { status, ready } = computeStatus(base({ deletion: { blockedBy: ["Deployment t/shop", "Pod t/shop-1"] } }), new Date(now));
    assert.equal(ready, false);
    assert.deepEqual([condition(status, "Ready").reason, condition(status, "Ready").message], ["DeletionBlocked", "deletion waits until nothing uses the profile: Deployment t/shop, Pod t/shop-1"]);
  });

  it("merges conditions without losing the previous transition time of unchanged ones", () => {
    const t0 = new Date(now);
    const first = mergeConditions(undefined, [{ type: "Valid", status: "True", reason: "Valid", message: "ok" }], 1, t0);
    const second = mergeConditions(first, [{ type: "Valid", status: "True", reason: "Valid", message: "still ok" }], 2, new Date(now + 5000));
    assert.equal(second[0]!.lastTransitionTime, first[0]!.lastTransitionTime);
    assert.equal(second[0]!.observedGeneration, 2);
  });
});

describe("controller: usage index", () => {
  const existing = new Set(["team/web"]);
  const index = new UsageIndex("catalogue", (ns, name) => existing.has(`${ns}/${name}`));
  const use = (ns: string, workload: string, profile: string) => ({ workload: `Deployment/${ns}/${workload}`, kind: "Deployment", namespace: ns, name: workload, profile, containers: ["app"], privileged: [], escalating: [] });

  it("resolves a name in the workload's namespace first, then in the catalogue", () => {
    index.setWorkload("Deployment/team/shop", [use("team", "shop", "web")]);
    index.setWorkload("Deployment/other/blog", [use("other", "blog", "web")]);
    assert.deepEqual(index.usersOf("team", "web").map((u) => u.workload), ["Deployment/team/shop"]);
    assert.deepEqual(index.usersOf("catalogue", "web").map((u) => u.workload), ["Deployment/other/blog"], "team's own web shadows the catalogue's");
    assert.deepEqual(index.usersOf("other", "web"), []);
  });

  it("forgets a workload's old references when they change", () => {
    const changed = index.setWorkload("Deployment/team/shop", [use("team", "shop", "api")]);
    assert.deepEqual([...changed].sort(), ["api", "web"]);
    assert.deepEqual(index.usersOf("team", "web"), []);
    index.setWorkload("Deployment/team/shop", []);
    assert.deepEqual(index.workloadsNaming("api"), []);
  });

  it("maps pods to the profiles whose stable or pinned files they use", () => {
    const pod = (path: string) => ({ metadata: { name: "p" }, spec: { containers: [{ name: "c", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: path } } }] } });
    assert.deepEqual([...index.setPod("team/p", pod(`operator/team/web/${H1}.json`))], ["team/web"]);
    assert.deepEqual(index.podsUsing("team/web"), ["team/p"]);
    assert.deepEqual([...index.setPod("team/p", pod("operator/team/web.json"))], ["team/web"], "same profile, but its pinned hash is no longer in use");
    assert.deepEqual([...index.setPod("team/p", pod("profiles/other.json"))], ["team/web"]);
    assert.deepEqual(index.podsUsing("team/web"), []);
  });

  it("collects the pinned hashes that templates and pods still name, per profile", () => {
    const pinned = (hash: string) => `operator/team/web/${hash}.json`;
    assert.deepEqual([...index.setPinned("Deployment/team/shop", [pinned(H1), "operator/team/web.json", "other/x.json"])], ["team/web"]);
    assert.deepEqual([...index.setPinned("Deployment/team/shop", [pinned(H1)])], [], "nothing changed");
    const pod = { metadata: { name: "p" }, status: { phase: "Running" }, spec: { containers: [{ name: "c", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: pinned(H2) } } }] } };
    index.setPod("team/p2", pod);
    assert.deepEqual(index.hashesInUse("team/web"), [H1, H2]);
    index.setPod("team/p2", { ...pod, status: { phase: "Succeeded" } });
    assert.deepEqual(index.hashesInUse("team/web"), [H1], "a finished pod uses nothing");
    assert.deepEqual([...index.setPinned("Deployment/team/shop", [])], ["team/web"]);
    assert.deepEqual(index.hashesInUse("team/web"), []);
  });
});
