import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { failureMark } from "../../src/api/failure-digest.js";
import { DigestSalt, saltFromSecret, saltId } from "../../src/api/digest-salt.js";
import { contribution, DIGEST_BUCKETS } from "../../src/api/install-digest.js";
import { NodeReportSchema, type NodeReport } from "../../src/api/node-status.js";
import { NodeState } from "../../src/agent/node-state.js";
import { nodeReport } from "../../src/agent/node-status-writer.js";
import { aggregate, changedKeys, type Expectations } from "../../src/controller/nodes/node-aggregation.js";
import { installedCondition } from "../../src/controller/profiles/status-computation.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
const H3 = "3".repeat(64);
const SALT = new DigestSalt(Buffer.alloc(32, 7));
const OTHER = new DigestSalt(Buffer.alloc(32, 8));
const now = Date.parse("2026-12-01T12:00:00Z");
const victim = "shop/web";

/** What a tenant can compute without the salt: the bucket function as it was, public. */
const publicBucketOf = (key: string) => createHash("sha256").update(key).digest().readUInt32BE(0) % DIGEST_BUCKETS;

/** The controller's expectations under `salt`, for profiles by key: their hash now and before. */
const expectations = (salt: DigestSalt, profiles: Record<string, { hash: string; previous?: string[] }>): Expectations => ({
  saltId: salt.id,
  bucketOf: (key) => salt.bucketOf(key),
  inBucket: (bucket) => Object.keys(profiles).filter((k) => salt.bucketOf(k) === bucket),
  expected: (key) => profiles[key]?.hash,
  previous: (key) => profiles[key]?.previous ?? [],
  contribution,
  failureMark,
});
const written = (state: NodeState): NodeReport => ({ ...nodeReport(state, { agentVersion: "0.1.0", kernel: { release: "6.1", actionsAvail: [] } }), heartbeatTime: new Date(now).toISOString() });
const options = (expect: Expectations) => ({ now, staleAfterMs: 90_000, catalogueNamespace: "cat", expect });

describe("digest salt", () => {
  it("places keys by the salt: two salts spread the same keys differently", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `t/p${i}`);
    const same = keys.filter((k) => SALT.bucketOf(k) === OTHER.bucketOf(k)).length;
    // Independent spreads agree on about 1 key in 2,048.
    assert.ok(same < 10, `${same} of 1000 keys share their bucket under both salts`);
    for (const k of keys) assert.ok(SALT.bucketOf(k) >= 0 && SALT.bucketOf(k) < DIGEST_BUCKETS);
    assert.equal(SALT.bucketOf(victim), new DigestSalt(Buffer.alloc(32, 7)).bucketOf(victim), "the same salt, the same bucket");
  });

  it("a tenant's offline name search for the victim's bucket no longer lands there", () => {
    // The attack: names that the public bucket function puts in the victim's bucket.
    const aimed: string[] = [];
    for (let i = 0; aimed.length < 64; i++) if (publicBucketOf(`evil/z${i}`) === publicBucketOf(victim)) aimed.push(`evil/z${i}`);
    const landed = aimed.filter((k) => SALT.bucketOf(k) === SALT.bucketOf(victim));
    assert.ok(landed.length <= 2, `${landed.length} of 64 aimed names share the victim's bucket`);
  });

  it("two of the tenant's profiles churning in the victim's (public) bucket leave the victim confirmed", () => {
    const aimed: string[] = [];
    for (let i = 0; aimed.length < 2; i++) if (publicBucketOf(`evil/c${i}`) === publicBucketOf(victim) && SALT.bucketOf(`evil/c${i}`) !== SALT.bucketOf(victim)) aimed.push(`evil/c${i}`);
    // The node has the victim and the tenant's profiles at their old hashes; the controller expects new ones.
    const state = new NodeState(SALT);
    state.setInstalled(victim, H1);
    for (const k of aimed) state.setInstalled(k, H1);
    const expect = expectations(SALT, { [victim]: { hash: H1 }, [aimed[0]!]: { hash: H2, previous: [H1] }, [aimed[1]!]: { hash: H3, previous: [H1] } });
    assert.equal(aggregate(victim, H1, [{ node: "n", report: written(state) }], options(expect)).installed, 1);
  });

  it("a node status under another salt, or under none yet, confirms nothing, and the Installed condition says why", () => {
    const profiles = { [victim]: { hash: H1 } };
    const other = new NodeState(OTHER);
    other.setInstalled(victim, H1);
    // A forged id on digests built with the right salt: the id is what is compared.
    const right = new NodeState(SALT);
    right.setInstalled(victim, H1);
    const forged = written(right);
    forged.installed = { ...forged.installed!, saltId: OTHER.id };
    const unsalted = new NodeState();
    unsalted.setInstalled(victim, H1);
    const nodes = [
      { node: "a", report: written(other) },
      { node: "b", report: forged },
      { node: "c", report: written(unsalted) },
      { node: "d", report: written(right) },
    ];
    const result = aggregate(victim, H1, nodes, options(expectations(SALT, profiles)));
    assert.deepEqual(result, { installed: 1, total: 4, failing: [], waiting: ["a", "b", "c"], unlisted: [], otherSalt: ["a", "b", "c"], stale: [] });
    const condition = installedCondition(result);
    assert.equal(condition.status, "False");
    assert.match(condition.message, /1\/4 live nodes; waiting for a, b, c; a, b, c report no digests under this cluster's salt/);
    // The same reports under the other salt's controller: d and c are the ones under another salt.
    assert.deepEqual(aggregate(victim, H1, nodes, options(expectations(OTHER, profiles))).otherSalt, ["c", "d"]);
  });

  it("an agent without the salt reports a heartbeat and no digests, then both digests once it has it", () => {
    const state = new NodeState();
    state.setInstalled(victim, H1);
    state.setInstalled("t/bad", H2);
    state.setFailed("t/bad", { reason: "invalid" });
    const before = written(state);
    assert.ok(NodeReportSchema.safeParse(before).success);
    assert.equal(before.installed, undefined);
    assert.equal(before.failedBuckets, undefined);
    const revision = state.revision;
    state.setSalt(SALT);
    assert.ok(state.revision > revision, "a status write follows");
    const after = written(state);
    // The same as an agent that had the salt from the start.
    const direct = new NodeState(SALT);
    direct.setInstalled(victim, H1);
    direct.setInstalled("t/bad", H2);
    direct.setFailed("t/bad", { reason: "invalid" });
    assert.deepEqual(after, written(direct));
    assert.equal(after.installed?.saltId, SALT.id);
    assert.equal(after.installed?.count, 1);
    // The controller rereads every profile when a node's salt changes.
    const keys = changedKeys(before, after, (b) => expectations(SALT, { [victim]: { hash: H1 }, "t/bad": { hash: H2 } }).inBucket(b));
    assert.deepEqual([...keys].sort(), ["shop/web", "t/bad"]);
  });

  it("names a salt by a hash that does not reveal it, and refuses a Secret without 32 bytes", () => {
    const bytes = Buffer.alloc(32, 7);
    assert.equal(SALT.id, createHash("sha256").update(Buffer.concat([Buffer.from("salt-id\n"), bytes])).digest("hex").slice(0, 16));
    assert.equal(saltId(bytes), SALT.id);
    assert.notEqual(SALT.id, OTHER.id);
    const ref = { namespace: "ops", name: "seccomp-operator-digest-salt" };
    assert.equal(saltFromSecret({ metadata: {}, data: { salt: bytes.toString("base64") } } as never, ref).id, SALT.id);
    assert.throws(() => saltFromSecret({ metadata: {}, data: {} } as never, ref), /Secret ops\/seccomp-operator-digest-salt: data\.salt must be 32 bytes of base64 \(missing\)/);
    assert.throws(() => saltFromSecret({ metadata: {}, data: { salt: "AAAA" } } as never, ref), /data\.salt must be 32 bytes of base64 \(3 bytes\)/);
  });
});
