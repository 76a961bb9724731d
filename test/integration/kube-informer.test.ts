// Informers against a real API server: the cache and the events handlers
// see, resumption after clean ends, the watchdog, resync, and survival of an
// API server restart during which the informer's resourceVersion expired.
import assert from "node:assert/strict";
import { isGone } from "../../src/kube/api-error.js";
import { Informer, type InformerOptions } from "../../src/kube/informer.js";
import { createLogger } from "../../src/kube/logger.js";
import type { KubeObject } from "../../src/kube/objects.js";
import type { Resource } from "../../src/kube/resource.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { eventually } from "../harness/eventually.js";
import { loadKubeConfig } from "../harness/kubeconfig.js";
import { createNamespace, deleteNamespace, useNamespace } from "../harness/namespaces.js";
import { RestartableApiServer } from "../harness/restartable-apiserver.js";
import { useControlPlane } from "../harness/shared.js";

const CONFIGMAPS: Resource = { group: "", version: "v1", plural: "configmaps" };
// kube-controller-manager, when another suite has started it, adds this ConfigMap to every namespace.
const NOT_ROOT_CA = "metadata.name!=kube-root-ca.crt";
const quiet = createLogger("test", "silent");

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

type Recorded = [kind: "add" | "update" | "delete" | "resync", key: string, value?: string];

/** An informer on configmaps with a handler that records what it sees. */
function recordingInformer(client: RestClient, options: Partial<InformerOptions> & { namespace: string }) {
  const informer = new Informer<ConfigMap>(client, { resource: CONFIGMAPS, fieldSelector: NOT_ROOT_CA, logger: quiet, ...options });
  const seen: Recorded[] = [];
  const key = (o: ConfigMap) => o.metadata!.name!;
  informer.addHandler({
    onAdd: (o) => seen.push(["add", key(o), o.data?.v]),
    onUpdate: (old, o) => seen.push([old === o ? "resync" : "update", key(o), o.data?.v]),
    onDelete: (o) => seen.push(["delete", key(o), o.data?.v]),
  });
  return { informer, seen };
}

function configMap(namespace: string, name: string, v: string, labels?: Record<string, string>): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data: { v } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kube informer", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  let client: RestClient;
  const informers: Array<Informer<ConfigMap>> = [];

  before(() => {
    client = new RestClient(cp().kubeConfig());
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });

  function start(options: Partial<InformerOptions> = {}) {
    const r = recordingInformer(client, { namespace: namespace(), ...options });
    informers.push(r.informer);
    r.informer.start();
    return r;
  }

  it("lists, then reports adds, updates (only on a new resourceVersion) and deletes", async function () {
    const ns = namespace();
    const ref = { ...CONFIGMAPS, namespace: ns };
    await client.create(ref, configMap(ns, "before", "0"));
    const { informer, seen } = start();
    assert.equal(await informer.waitForSync(10_000), true);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(seen, [["add", "before", "0"]]);

    await client.create(ref, configMap(ns, "a", "1"));
    await client.apply({ ...ref, name: "a" }, configMap(ns, "a", "2"), { fieldManager: "test", force: true });
    // The same intent again changes nothing, so no resourceVersion and no update.
    await client.apply({ ...ref, name: "a" }, configMap(ns, "a", "2"), { fieldManager: "test", force: true });
    await client.delete({ ...ref, name: "before" });
    await eventually(() => assert.equal(seen.length, 4));
    await sleep(200);
    assert.deepEqual(seen, [["add", "before", "0"], ["add", "a", "1"], ["update", "a", "2"], ["delete", "before", "0"]]);
    assert.deepEqual(informer.keys(), [`${ns}/a`]);
    assert.equal(informer.get(`${ns}/a`)?.data?.v, "2");
    assert.equal(informer.list().length, 1);
    assert.equal(informer.stats().lists, 1);
  });

  it("watches only what its label and field selectors select", async function () {
    const ns = namespace();
    const ref = { ...CONFIGMAPS, namespace: ns };
    const byLabel = start({ labelSelector: "app=web" });
    const byField = start({ fieldSelector: "metadata.name=picked" });
    await Promise.all([byLabel.informer.waitForSync(10_000), byField.informer.waitForSync(10_000)]);
    await client.create(ref, configMap(ns, "web", "1", { app: "web" }));
    await client.create(ref, configMap(ns, "db", "1", { app: "db" }));
    await client.create(ref, configMap(ns, "picked", "1"));
    await eventually(() => {
      assert.deepEqual(byLabel.seen, [["add", "web", "1"]]);
      assert.deepEqual(byField.seen, [["add", "picked", "1"]]);
    });
  });

  it("resumes from its resourceVersion after the server ends a watch, without relisting", async function () {
    const ns = namespace();
    const { informer, seen } = start({ watchTimeoutSeconds: 1 });
    await informer.waitForSync(10_000);
    await eventually(() => assert.ok(informer.stats().watches >= 2), { timeoutMs: 10_000 });
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "later", "1"));
    await eventually(() => assert.deepEqual(seen, [["add", "later", "1"]]));
    assert.equal(informer.stats().lists, 1);
    assert.equal(informer.stats().errors, 0);
  });

  it("restarts a watch that stays silent longer than the watchdog allows", async function () {
    const ns = namespace();
    const { informer, seen } = start({ watchdogMs: 200 });
    await informer.waitForSync(10_000);
    await eventually(() => assert.ok(informer.stats().watchdogRestarts >= 2), { timeoutMs: 5_000 });
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "still-seen", "1"));
    await eventually(() => assert.deepEqual(seen, [["add", "still-seen", "1"]]));
    assert.equal(informer.stats().lists, 1, "a restart resumes the watch; it does not relist");
  });

  it("re-delivers every cached object on resync", async function () {
    const ns = namespace();
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "one", "1"));
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "two", "2"));
    const { informer, seen } = start({ resyncPeriodMs: 100 });
    await informer.waitForSync(10_000);
    await eventually(() => {
      const resynced = seen.filter(([kind]) => kind === "resync").map(([, key]) => key);
      assert.ok(resynced.filter((k) => k === "one").length >= 2 && resynced.filter((k) => k === "two").length >= 2, JSON.stringify(seen));
    });
  });

  it("keeps going when a handler throws", async function () {
    const ns = namespace();
    const { informer, seen } = start();
    informer.addHandler({
      onAdd: () => {
        throw new Error("handler bug");
      },
    });
    await informer.waitForSync(10_000);
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "x", "1"));
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "y", "1"));
    await eventually(() => assert.deepEqual(seen.map(([, k]) => k), ["x", "y"]));
  });

  it("stops watching on stop()", async function () {
    const ns = namespace();
    const { informer, seen } = start();
    await informer.waitForSync(10_000);
    await informer.stop();
    await client.create({ ...CONFIGMAPS, namespace: ns }, configMap(ns, "unseen", "1"));
    await sleep(300);
    assert.deepEqual(seen, []);
    assert.equal(await new Informer(client, { resource: CONFIGMAPS, fieldSelector: NOT_ROOT_CA, namespace: ns, logger: quiet }).waitForSync(10), false);
  });
});

describe("kube informer across an API server restart", function () {
  const cp = useControlPlane();
  let second: RestartableApiServer;
  let ns: string;

  before(async function () {
    this.timeout(60_000);
    second = await RestartableApiServer.create(cp());
    await second.start();
    ns = await createNamespace(cp(), "informer-restart");
  });
  after(async function () {
    this.timeout(30_000);
    await second?.stop();
    if (ns) await deleteNamespace(cp(), ns);
  });

  it("sees what changed while the server was down, relisting when its resourceVersion expired", async function () {
    this.timeout(60_000);
    const shared = new RestClient(cp().kubeConfig());
    const ref = { ...CONFIGMAPS, namespace: ns };
    for (const name of ["kept", "changed", "removed"]) await shared.create(ref, configMap(ns, name, "1"));

    const viaSecond = new RestClient(loadKubeConfig(second.kubeconfig), { requestTimeoutMs: 2_000 });
    const { informer, seen } = recordingInformer(viaSecond, { namespace: ns, backoff: { initialMs: 100, maxMs: 1_000 } });
    informer.start();
    try {
      assert.equal(await informer.waitForSync(10_000), true);
      const before = informer.lastResourceVersion;
      seen.length = 0;

      await second.stop();
      await shared.create(ref, configMap(ns, "added", "1"));
      await shared.mergePatch({ ...ref, name: "changed" }, { data: { v: "2" } });
      await shared.delete({ ...ref, name: "removed" });
      await eventually(() => assert.ok(informer.stats().errors >= 2, "the informer keeps retrying"), { timeoutMs: 10_000 });
      assert.deepEqual(seen, []);
      assert.equal(informer.get(`${ns}/removed`)?.data?.v, "1", "the cache keeps the last known state meanwhile");

      await second.start();
      await eventually(() => assert.deepEqual(informer.keys().sort(), [`${ns}/added`, `${ns}/changed`, `${ns}/kept`]), { timeoutMs: 20_000 });
      await sleep(200);
      assert.deepEqual(
        [...seen].sort(),
        [["add", "added", "1"], ["delete", "removed", "1"], ["update", "changed", "2"]],
        "exactly the differences, nothing for the unchanged object",
      );
      assert.equal(informer.get(`${ns}/changed`)?.data?.v, "2");

      // The restarted server's watch cache begins after the informer's
      // resourceVersion: only a relist could catch up.
      assert.equal(informer.stats().relists, 1);
      assert.equal(informer.stats().lists, 2);
      await assert.rejects(
        (async () => {
          for await (const _ of viaSecond.watch(ref, { resourceVersion: before, timeoutSeconds: 5 })) break;
        })(),
        (err) => isGone(err),
      );

      // And it watches on.
      await shared.create(ref, configMap(ns, "after", "1"));
      await eventually(() => assert.ok(informer.get(`${ns}/after`)));
    } finally {
      await informer.stop();
    }
  });
});
