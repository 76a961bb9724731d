import assert from "node:assert/strict";
import { mergeConditions } from "../../src/controller/profiles/condition-merge.js";
import { FAILURE_TEXT_MAX_LENGTH, failureMark, FailureDigest } from "../../src/api/failure-digest.js";
import { DigestSalt } from "../../src/api/digest-salt.js";
import { contribution, DIGEST_BUCKETS } from "../../src/api/install-digest.js";
import { NodeReportSchema } from "../../src/api/node-status.js";
import { NodeState } from "../../src/agent/node-state.js";
import { nodeReport } from "../../src/agent/node-status-writer.js";
import { failedSubset } from "../../src/controller/nodes/failed-subset.js";
import { aggregate, changedKeys, type Expectations } from "../../src/controller/nodes/node-aggregation.js";
import { computeStatus, type ProfileObservation } from "../../src/controller/profiles/status-computation.js";
import { UsageIndex } from "../../src/controller/workloads/usage-index.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
const H3 = "3".repeat(64);
/** The cluster's salt in these tests. */
const SALT = new DigestSalt(Buffer.alloc(32, 7));
const now = Date.parse("2026-11-28T12:00:00Z");
const beat = (agoMs: number) => new Date(now - agoMs).toISOString();
/** Profiles by key, their hash now and before: what the controller expects. */
const expectations = (profiles: Record<string, { hash?: string; previous?: string[] }>): Expectations => ({
  saltId: SALT.id,
  bucketOf: (key) => SALT.bucketOf(key),
  inBucket: (bucket) => Object.keys(profiles).filter((k) => SALT.bucketOf(k) === bucket),
  expected: (key) => profiles[key]?.hash,
  previous: (key) => profiles[key]?.previous ?? [],
  contribution,
  failureMark,
});
/** A node's report as its agent would build it from what it has installed. */
const report = (agoMs: number, installed: Record<string, string>, failures: { profile: string; reason: string }[] = [], scope: { namespace?: string } = {}) => {
  const state = new NodeState(SALT);
  for (const [key, hash] of Object.entries(installed)) state.setInstalled(key, hash);
  for (const f of failures) state.setFailed(f.profile, { reason: f.reason });
  return { agentVersion: "0.1.0", heartbeatTime: beat(agoMs), scope, installed: { saltId: SALT.id, count: state.currentCount, digests: state.digest.encode() }, failures };
};
const options = (expect: Expectations) => ({ now, staleAfterMs: 90_000, catalogueNamespace: "cat", expect });

describe("controller: node aggregation", () => {
  it("counts live nodes with the current hash, and names failing, waiting and stale nodes", () => {
    const expect = expectations({ "t/web": { hash: H2, previous: [H1] } });
    const result = aggregate(
      "t/web",
      H2,
      [
        { node: "a", report: report(1000, { "t/web": H2 }) },
        { node: "b", report: report(1000, { "t/web": H1 }) },
        { node: "c", report: report(1000, { "t/web": H1 }, [{ profile: "t/web", reason: "symlink at operator" }]) },
        { node: "d", report: report(120_000, { "t/web": H2 }) },
        { node: "e", report: undefined },
        { node: "f", report: report(1000, {}, [], { namespace: "other" }) },
      ],
      options(expect),
    );
    assert.deepEqual(result, { installed: 1, total: 3, failing: [{ node: "c", reason: "symlink at operator" }], waiting: ["b"], unlisted: [], otherSalt: [], stale: ["d", "e"] });
  });

  it("names the waiting nodes that list only some of their failures: the profile may be one they left out", () => {
    const expect = expectations({ "t/web": { hash: H2 } });
    const full = { ...report(1000, {}, [{ profile: "t/other", reason: "disk full" }]), failuresOmitted: 3 };
    const result = aggregate("t/web", H2, [{ node: "a", report: full }, { node: "b", report: report(1000, {}) }, { node: "c", report: { ...report(1000, { "t/web": H2 }), failuresOmitted: 3 } }], options(expect));
    assert.deepEqual([result.installed, result.waiting, result.unlisted], [1, ["a", "b"], ["a"]]);
  });

  it("reads a bucket shared with other profiles: one other profile behind or missing does not hide this one, two do", () => {
    // Two names in web's bucket, as a tenant choosing names could arrange.
    const [a, b] = namesInBucketOf("t/web", 2) as [string, string];
    const expect = expectations({ "t/web": { hash: H2 }, [a]: { hash: H3, previous: [H1, H2] }, [b]: { hash: H1 } });
    const at = (installed: Record<string, string>) => aggregate("t/web", H2, [{ node: "n", report: report(0, installed) }], options(expect)).installed;
    assert.equal(at({ "t/web": H2, [a]: H3, [b]: H1 }), 1, "all current");
    assert.equal(at({ "t/web": H2, [a]: H1, [b]: H1 }), 1, "a two updates behind");
    assert.equal(at({ "t/web": H2, [b]: H1 }), 1, "a not installed yet");
    assert.equal(at({ "t/web": H1, [a]: H3, [b]: H1 }), 0, "web behind");
    assert.equal(at({ [a]: H3, [b]: H1 }), 0, "web missing");
    assert.equal(at({ "t/web": H2, [a]: H1 }), 0, "two others behind: not explained, so not counted");
  });

  describe("failures a node does not list", () => {
    // The report exactly as the agent writes it, from its own state.
    const written = (state: NodeState) => ({ ...nodeReport(state, { agentVersion: "0.1.0", kernel: { release: "6.1", actionsAvail: [] } }), heartbeatTime: beat(0) });
    const victim = "victim/app";
    const attack = () => {
      // 64 failures the node lists (names sorting first, none in the victim's bucket), and 2
      // more in the victim's bucket that it leaves out: a few thousand hashes to find.
      const listed: string[] = [];
      for (let i = 0; listed.length < 64; i++) if (SALT.bucketOf(`evil/a${String(i).padStart(4, "0")}`) !== SALT.bucketOf(victim)) listed.push(`evil/a${String(i).padStart(4, "0")}`);
      return { listed, hidden: evilInBucketOf(victim, 2) };
    };

    it("64 listed failures and 2 unlisted ones in the victim's bucket do not leave the victim waiting", () => {
      const { listed, hidden } = attack();
      const profiles: Record<string, { hash: string }> = { [victim]: { hash: H2 } };
      for (const k of [...listed, ...hidden]) profiles[k] = { hash: H1 };
      const state = new NodeState(SALT);
      state.setInstalled(victim, H2);
      for (const k of [...listed, ...hidden]) state.setFailed(k, { hash: H1, reason: "EEXIST: a folder is in the way", write: true });
      const report = written(state);
      assert.equal(report.failures?.length, 64);
      assert.ok(hidden.every((k) => !report.failures?.some((f) => f.profile === k)), "the two in the victim's bucket are not listed");
      const result = aggregate(victim, H2, [{ node: "n", report }], options(expectations(profiles)));
      assert.deepEqual([result.installed, result.waiting, result.failing], [1, [], []]);
      // And the hidden ones are named as failing there, not as waiting.
      const hiddenResult = aggregate(hidden[0]!, H1, [{ node: "n", report }], options(expectations(profiles)));
      assert.deepEqual([hiddenResult.installed, hiddenResult.waiting, hiddenResult.failing.map((f) => f.node)], [0, [], ["n"]]);
    });

    it("still sees the victim missing, and a failure of an unknown profile leaves the bucket unconfirmed", () => {
      const { listed, hidden } = attack();
      const profiles: Record<string, { hash: string }> = { [victim]: { hash: H2 } };
      for (const k of [...listed, ...hidden]) profiles[k] = { hash: H1 };
      const state = new NodeState(SALT);
      for (const k of [...listed, ...hidden]) state.setFailed(k, { hash: H1, reason: "EEXIST", write: true });
      assert.equal(aggregate(victim, H2, [{ node: "n", report: written(state) }], options(expectations(profiles))).installed, 0, "not installed");
      state.setInstalled(victim, H2);
      const unknown = { ...profiles };
      delete unknown[hidden[1]!];
      assert.equal(aggregate(victim, H2, [{ node: "n", report: written(state) }], options(expectations(unknown))).installed, 0, "a failure the controller cannot place");
      assert.equal(aggregate(victim, H2, [{ node: "n", report: written(state) }], options(expectations(profiles))).installed, 1);
    });

    it("keeps the record in step with installs, failures and removals, and round-trips it", () => {
      const state = new NodeState(SALT);
      const [a, b] = evilInBucketOf(victim, 2) as [string, string];
      state.setFailed(a, { reason: "x" });
      state.setFailed(a, { reason: "y" });
      state.setFailed(b, { reason: "x" });
      assert.equal(state.failed.bucket(SALT.bucketOf(victim)).count, 2);
      state.setInstalled(a, H1);
      state.remove(b);
      assert.deepEqual(state.failed.buckets(), []);
      state.setFailed(b, { reason: "x" });
      const decoded = FailureDigest.decode(state.failed.encode())!;
      assert.deepEqual(decoded.bucket(SALT.bucketOf(b)), { count: 1, xor: failureMark(b) });
      assert.equal(FailureDigest.decode("AAAA"), undefined, "not a whole entry");
    });

    it("stays within its schema bound with every bucket failing", () => {
      const state = new NodeState(SALT);
      const hit = new Set<number>();
      for (let i = 0; hit.size < DIGEST_BUCKETS; i++) {
        state.setFailed(`t/p${i}`, { reason: "x" });
        hit.add(SALT.bucketOf(`t/p${i}`));
      }
      const text = written(state).failedBuckets!;
      assert.equal(text.length, FAILURE_TEXT_MAX_LENGTH);
      assert.ok(NodeReportSchema.safeParse(written(state)).success);
      assert.ok(text.length < 110_000, `${text.length} characters`);
    });

    it("solves a bucket's failed set exactly, whatever its size, and says when it cannot", () => {
      const keys = Array.from({ length: 40 }, (_, i) => `t/p${i}`);
      const failed = keys.filter((_, i) => i % 3 !== 0);
      const xor = Buffer.alloc(32);
      for (const k of failed) for (let i = 0; i < 32; i++) xor[i]! ^= failureMark(k)[i]!;
      assert.deepEqual([...failedSubset(keys, failureMark, { count: failed.length, xor })!].sort(), [...failed].sort());
      assert.equal(failedSubset(keys, failureMark, { count: failed.length + 1, xor }), undefined, "count does not fit");
      assert.equal(failedSubset(keys.filter((k) => k !== "t/p1"), failureMark, { count: failed.length, xor }), undefined, "a failure of a key not among them");
      assert.equal(failedSubset([...keys, "t/dup"], (k) => failureMark(k === "t/dup" ? "t/p0" : k), { count: 1, xor: failureMark("t/p1") }), undefined, "dependent marks: not unique");
    });
  });

  it("tells which profiles a node's new report may have changed, ignoring heartbeats", () => {
    const inBucket = (b: number) => ["t/a", "t/b", "t/c"].filter((k) => SALT.bucketOf(k) === b);
    const before = report(5000, { "t/a": H1, "t/b": H1 });
    const after = report(0, { "t/a": H1, "t/b": H2, "t/c": H1 }, [{ profile: "t/d", reason: "x" }]);
    assert.deepEqual([...changedKeys(before, after, inBucket)].sort(), ["t/b", "t/c", "t/d"]);
    assert.deepEqual([...changedKeys(before, { ...before, heartbeatTime: beat(0) }, inBucket)], []);
  });
});

/** `count` keys of namespace evil that share the bucket of `key`, sorting after every `evil/a…`. */
function evilInBucketOf(key: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (SALT.bucketOf(`evil/z${i}`) === SALT.bucketOf(key)) out.push(`evil/z${i}`);
  return out;
}

/** `count` keys of namespace x that share the bucket of `key`. */
function namesInBucketOf(key: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (SALT.bucketOf(`x/p${i}`) === SALT.bucketOf(key)) out.push(`x/p${i}`);
  return out;
}

describe("controller: profile status", () => {
  const base = (over: Partial<ProfileObservation> = {}): ProfileObservation => ({
    namespace: "t",
    name: "web",
    generation: 3,
    previous: undefined,
    compiled: { ok: true, hash: H2, findings: [] },
    nodes: { installed: 2, total: 2, failing: [], waiting: [], unlisted: [], otherSalt: [], stale: [] },
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
    const { status, ready } = computeStatus(base({ nodes: { installed: 1, total: 3, failing: [], waiting: ["b", "c"], unlisted: [], otherSalt: [], stale: ["z"] } }), new Date(now));
    assert.equal(ready, false);
    assert.deepEqual([condition(status, "Installed").reason, condition(status, "Ready").reason], ["Installing", "Installing"]);
    assert.match(condition(status, "Installed").message, /^1\/3 live nodes; waiting for b, c; agents not reporting \(not counted\): z$/);
  });

  it("says which waiting nodes list only some of their failures", () => {
    const { status } = computeStatus(base({ nodes: { installed: 1, total: 3, failing: [], waiting: ["a", "b"], unlisted: ["a"], otherSalt: [], stale: [] } }), new Date(now));
    assert.match(condition(status, "Installed").message, /^1\/3 live nodes; waiting for a, b; a report more failures than they list, and this profile may be one of them/);
  });

  it("reports failures with the node's reason, and no agents as its own reason", () => {
    const failed = computeStatus(base({ nodes: { installed: 1, total: 2, failing: [{ node: "b", reason: "symlink at operator" }], waiting: [], unlisted: [], otherSalt: [], stale: [] } }), new Date(now));
    assert.match(condition(failed.status, "Installed").message, /failed on b \(b: symlink at operator\)/);
    const none = computeStatus(base({ nodes: { installed: 0, total: 0, failing: [], waiting: [], unlisted: [], otherSalt: [], stale: [] } }), new Date(now));
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
    const first = computeStatus(base({ nodes: { installed: 1, total: 2, failing: [], waiting: ["b"], unlisted: [], otherSalt: [], stale: [] } }), new Date(now)).status;
    const same = computeStatus(base({ previous: first, nodes: { installed: 1, total: 2, failing: [], waiting: ["b"], unlisted: [], otherSalt: [], stale: [] } }), new Date(now + 60_000)).status;
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
    assert.deepEqual(index.holdersOf("team/web"), ["Pod/team/p"]);
    assert.deepEqual([...index.setPod("team/p", pod("operator/team/web.json"))], ["team/web"], "same profile, but its pinned hash is no longer in use");
    assert.deepEqual([...index.setPod("team/p", pod("profiles/other.json"))], ["team/web"]);
    assert.deepEqual(index.holdersOf("team/web"), []);
  });

  it("collects the pinned hashes that templates and pods still name, per profile", () => {
    const pinned = (hash: string) => `operator/team/web/${hash}.json`;
    assert.deepEqual([...index.setPaths("Deployment/team/shop", [pinned(H1), "operator/team/web.json", "other/x.json"])], ["team/web"]);
    assert.deepEqual([...index.setPaths("Deployment/team/shop", [pinned(H1)])], [], "nothing changed");
    const pod = { metadata: { name: "p" }, status: { phase: "Running" }, spec: { containers: [{ name: "c", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: pinned(H2) } } }] } };
    index.setPod("team/p2", pod);
    assert.deepEqual(index.hashesInUse("team/web"), [H2, H1], "the newest first");
    index.setPod("team/p2", { ...pod, status: { phase: "Succeeded" } });
    assert.deepEqual(index.hashesInUse("team/web"), [H1], "a finished pod uses nothing");
    assert.deepEqual([...index.setPaths("Deployment/team/shop", [])], ["team/web"]);
    assert.deepEqual(index.hashesInUse("team/web"), []);
  });

  it("counts paths only from the profile's own namespace, or any namespace for the catalogue's, and templates at any replica count", () => {
    const path = (ns: string, hash?: string) => (hash === undefined ? `operator/${ns}/web.json` : `operator/${ns}/web/${hash}.json`);
    const running = (p: string) => ({ metadata: { name: "p" }, status: { phase: "Pending" }, spec: { containers: [{ name: "c", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: p } } }] } });
    // Another tenant names 64 made-up hashes and the stable path of team/web.
    index.setPaths("Deployment/evil/fake", Array.from({ length: 64 }, (_, i) => path("team", i.toString(16).padStart(64, "0"))));
    index.setPod("evil/pending", running(path("team")));
    index.setPaths("Deployment/team/shop", [path("team", H1)]);
    assert.deepEqual(index.hashesInUse("team/web"), [H1]);
    assert.deepEqual(index.holdersOf("team/web"), ["Deployment/team/shop"], "only the own namespace holds it");
    index.setPod("evil/p", running(path("catalogue", H2)));
    assert.deepEqual(index.hashesInUse("catalogue/web"), [H2], "the catalogue's profiles are for every namespace");
    for (const holder of ["Deployment/evil/fake", "Deployment/team/shop"]) index.setPaths(holder, []);
    for (const pod of ["evil/pending", "evil/p"]) index.setPod(pod, undefined);
    assert.deepEqual([index.holdersOf("team/web"), index.holdersOf("catalogue/web")], [[], []]);
  });

  it("says when more hashes are in use than the status can list", () => {
    const many = Array.from({ length: 70 }, (_, i) => i.toString(16).padStart(64, "0"));
    const observation: ProfileObservation = { namespace: "t", name: "web", generation: 1, previous: undefined, compiled: { ok: true, hash: H2, findings: [] }, nodes: { installed: 1, total: 1, failing: [], waiting: [], unlisted: [], otherSalt: [], stale: [] }, usedBy: [], hashesInUse: many, workloadFindings: [], failureFindings: [] };
    const { status } = computeStatus(observation, new Date(now));
    assert.equal(status.hashesInUse?.length, 64);
    assert.match(status.findings?.[0]?.message ?? "", /70 hashes .* 6 are not/);
  });
});
