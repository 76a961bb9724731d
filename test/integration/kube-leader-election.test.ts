// Leader election between candidates in one process, against a real Lease:
// one leads at a time; a graceful stop hands over at once; a crashed leader
// is replaced once its lease expires; a leader that sees another holder steps
// down.
import assert from "node:assert/strict";
import { LEASES, LeaderElector, type ElectionOutcome, type Lease } from "../../src/kube/leader-election.js";
import { createLogger } from "../../src/kube/logger.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { eventually } from "../harness/eventually.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const quiet = createLogger("test", "silent");
const LEASE = "controller-leader";
const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

interface Candidate {
  identity: string;
  elector: LeaderElector;
  outcome: Promise<ElectionOutcome>;
  startedAt?: number;
  stoppedAt?: number;
  termSignal?: AbortSignal;
}

describe("kube leader election", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  let client: RestClient;
  let candidates: Candidate[] = [];
  /** Who leads, as the callbacks report it; more than one entry at once is a failure. */
  let leading: Set<string>;
  let overlaps: string[];

  before(() => {
    client = new RestClient(cp().kubeConfig(), { requestTimeoutMs: 2_000 });
  });
  beforeEach(() => {
    leading = new Set();
    overlaps = [];
  });
  afterEach(async () => {
    await Promise.all(candidates.map((c) => c.elector.stop({ release: false })));
    candidates = [];
  });

  function candidate(identity: string): Candidate {
    const c = { identity } as Candidate;
    c.elector = new LeaderElector({
      client,
      namespace: namespace(),
      name: LEASE,
      identity,
      ...timing,
      logger: quiet,
      onStartedLeading: (signal) => {
        if (leading.size > 0) overlaps.push(`${identity} started while ${[...leading].join(",")} led`);
        leading.add(identity);
        c.startedAt = Date.now();
        c.termSignal = signal;
      },
      onStoppedLeading: () => {
        leading.delete(identity);
        c.stoppedAt = Date.now();
      },
    });
    c.outcome = c.elector.run();
    candidates.push(c);
    return c;
  }

  const lease = () => client.get<Lease>({ ...LEASES, namespace: namespace(), name: LEASE });
  const leader = () => candidates.find((c) => c.elector.isLeader());

  it("elects one of two candidates and hands over at once on a graceful stop", async function () {
    const [a, b] = [candidate("a"), candidate("b")];
    const first = await eventually(() => leader() ?? assert.fail("no leader yet"), { timeoutMs: 5_000, intervalMs: 20 });
    const other = first === a ? b : a;
    await new Promise((r) => setTimeout(r, 3 * timing.retryPeriodMs));
    assert.equal(other.elector.isLeader(), false);
    assert.equal(other.elector.leader(), first.identity, "the follower knows who leads");
    const held = await lease();
    assert.equal(held.spec?.holderIdentity, first.identity);
    assert.equal(held.spec?.leaseDurationSeconds, 2);

    const stoppedAt = Date.now();
    await first.elector.stop();
    assert.equal(await first.outcome, "stopped");
    assert.equal(first.termSignal?.aborted, true, "the leader's work is told to stop");
    await eventually(() => assert.ok(other.elector.isLeader()), { timeoutMs: 5_000, intervalMs: 20 });
    const handover = other.startedAt! - stoppedAt;
    assert.ok(handover < timing.leaseDurationMs, `took over after ${handover} ms, without waiting for expiry`);
    const taken = await lease();
    assert.equal(taken.spec?.holderIdentity, other.identity);
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.deepEqual(overlaps, []);
  });

  it("replaces a leader that vanished without releasing, once its lease expired", async function () {
    const [a, b] = [candidate("a"), candidate("b")];
    const first = await eventually(() => leader() ?? assert.fail("no leader yet"), { timeoutMs: 5_000, intervalMs: 20 });
    const other = first === a ? b : a;
    await new Promise((r) => setTimeout(r, 2 * timing.retryPeriodMs));

    // As after a crash: no more renewals, the lease is left as it was.
    const crashedAt = Date.now();
    await first.elector.stop({ release: false });
    assert.equal((await lease()).spec?.holderIdentity, first.identity);
    await eventually(() => assert.ok(other.elector.isLeader()), { timeoutMs: 3 * timing.leaseDurationMs, intervalMs: 20 });
    const takeover = other.startedAt! - crashedAt;
    assert.ok(takeover >= timing.leaseDurationMs - timing.retryPeriodMs - 100, `took over after ${takeover} ms, before the lease expired`);
    assert.ok(takeover < 2 * timing.leaseDurationMs, `took over after ${takeover} ms`);
    assert.deepEqual(overlaps, []);
  });

  it("steps down when it finds another holder on the lease", async function () {
    const a = candidate("a");
    await eventually(() => assert.ok(a.elector.isLeader()), { timeoutMs: 5_000, intervalMs: 20 });
    // Another holder wrote the lease, as one that judged it expired would.
    const current = await lease();
    await client.replace({ ...LEASES, namespace: namespace(), name: LEASE }, { ...current, spec: { ...current.spec, holderIdentity: "intruder" } });
    assert.equal(await a.outcome, "lost");
    assert.equal(a.elector.isLeader(), false);
    assert.ok(a.stoppedAt, "onStoppedLeading was called");
    assert.equal(a.termSignal?.aborted, true);
    assert.equal((await lease()).spec?.holderIdentity, "intruder", "a lost lease is not released");
  });

  it("keeps leading when the wall clock steps forward an hour (as an NTP correction would)", async function () {
    const a = candidate("a");
    await eventually(() => assert.ok(a.elector.isLeader()), { timeoutMs: 5_000, intervalMs: 20 });
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      await new Promise((r) => setTimeout(r, 3 * timing.renewDeadlineMs));
    } finally {
      Date.now = realNow;
    }
    assert.equal(a.elector.isLeader(), true, "still leading");
    assert.equal((await lease()).spec?.holderIdentity, "a");
  });
});
