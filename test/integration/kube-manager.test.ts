// The manager as both daemons use it: one shared informer per cache name, reconcilers fed by
// declared watches, ready once caches synced, leader-only components only on the leader.
import assert from "node:assert/strict";
import { createLogger } from "../../src/kube/logger.js";
import { Manager, Signal } from "../../src/kube/manager.js";
import { objectKey } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { eventually } from "../harness/eventually.js";
import { scrapeMetrics } from "../harness/metrics.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const quiet = createLogger("test", "silent");
const CONFIGMAPS = { group: "", version: "v1", plural: "configmaps" };
const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

describe("kube manager", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  const managers: Manager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
  });

  function manager(identity: string, seen: string[], leaderElection = true): { manager: Manager; signal: Signal<string> } {
    const m = new Manager({
      component: "test",
      version: "0",
      kubeConfig: cp().kubeConfig(),
      logger: quiet,
      identity,
      healthHost: "127.0.0.1",
      healthPort: 0,
      metrics: { host: "127.0.0.1", port: 0, auth: "kubernetes" },
      workers: 1,
      ...(leaderElection ? { leaderElection: { namespace: namespace(), name: "manager-test", ...timing } } : {}),
    });
    managers.push(m);
    // Two components asking for one cache share it.
    const spec = { name: "configmaps", resource: CONFIGMAPS, namespace: namespace(), fieldSelector: "metadata.name!=kube-root-ca.crt" };
    const informer = m.cache(spec);
    assert.equal(m.cache(spec), informer);
    const queue = m.reconciler({
      name: "configmaps",
      leaderOnly: true,
      reconcile: async (key) => {
        seen.push(`${identity}:${key}`);
      },
      initialKeys: () => informer.list().map(objectKey),
    });
    const signal = new Signal<string>();
    m.watch(informer, queue, ({ type, object }) => (type === "delete" ? [] : [objectKey(object)]));
    m.watchSignal(signal, queue, (key) => [key]);
    return { manager: m, signal };
  }

  it("is ready once caches synced, reconciles on the leader only, and feeds it from informers and signals", async () => {
    const client = new RestClient(cp().kubeConfig());
    const ns = namespace();
    await client.create({ ...CONFIGMAPS, namespace: ns }, { metadata: { name: "one" } });
    const seen: string[] = [];
    const a = manager("a", seen);
    const b = manager("b", seen);
    await a.manager.start();
    await eventually(() => assert.ok(a.manager.isLeader));
    await b.manager.start();
    for (const m of [a.manager, b.manager]) {
      const ready = await fetch(`http://127.0.0.1:${m.healthPort}/readyz?verbose`);
      assert.equal(ready.status, 200);
      assert.match(await ready.text(), /\[\+\]caches-synced ok/);
      assert.match(await scrapeMetrics(cp(), m.metricsPort), /^informer_objects\{name="configmaps"\} 1$/m);
    }
    await eventually(() => assert.ok(seen.includes(`a:${ns}/one`)));
    await client.create({ ...CONFIGMAPS, namespace: ns }, { metadata: { name: "two" } });
    a.signal.emit(`${ns}/from-signal`);
    b.signal.emit(`${ns}/not-leading`);
    await eventually(() => assert.ok(seen.includes(`a:${ns}/two`) && seen.includes(`a:${ns}/from-signal`)));
    assert.ok(!seen.some((s) => s.startsWith("b:")), seen.join(", "));
    assert.ok(!b.manager.isLeader);
  });
});
