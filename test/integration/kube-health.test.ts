// The health server as the kubelet sees it, wired to a real informer: not ready until the
// cache is synced; and the runtime's metrics as served (here openly: who may read them is
// metrics-auth.test.ts's subject).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Registry } from "prom-client";
import { startHealthServer } from "../../src/kube/health-server.js";
import { startMetricsServer } from "../../src/kube/metrics-server.js";
import { Informer } from "../../src/kube/informer.js";
import { createLogger } from "../../src/kube/logger.js";
import { registerInformerMetrics, registerQueueMetrics } from "../../src/kube/metrics.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { WorkQueue } from "../../src/kube/work-queue.js";
import { eventually } from "../harness/eventually.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const quiet = createLogger("test", "silent");

async function get(server: { port: number }, path: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

describe("kube health server", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);

  it("answers /healthz, /readyz (after the first sync) and /metrics", async function () {
    const client = new RestClient(cp().kubeConfig());
    const ns = namespace();
    await client.create({ group: "", version: "v1", plural: "configmaps", namespace: ns }, { metadata: { name: "one" } });
    // Without kube-controller-manager's kube-root-ca.crt, which it adds when another suite started it.
    const informer = new Informer<KubeObject>(client, { resource: { group: "", version: "v1", plural: "configmaps" }, namespace: ns, fieldSelector: "metadata.name!=kube-root-ca.crt", logger: quiet });
    const queue = new WorkQueue({ name: "configmaps", logger: quiet });
    const registry = new Registry();
    registerInformerMetrics({ configmaps: informer }, registry);
    registerQueueMetrics({ configmaps: queue }, registry);
    let alive = true;
    const server = await startHealthServer({
      host: "127.0.0.1",
      port: 0,
      healthz: { process: () => alive },
      readyz: { "informers-synced": () => informer.hasSynced() || "configmaps not synced yet" },
      logger: quiet,
    });
    const metricsServer = await startMetricsServer({ host: "127.0.0.1", port: 0, registry, logger: quiet, access: "none" });
    try {
      assert.ok(server.port > 0);
      assert.deepEqual(await get(server, "/healthz"), { status: 200, text: "ok\n", type: "text/plain; charset=utf-8" });
      const unready = await get(server, "/readyz");
      assert.equal(unready.status, 500);
      assert.match(unready.text, /\[-\]informers-synced failed: configmaps not synced yet/);

      informer.addHandler({ onAdd: (o) => queue.add(o.metadata!.name!) });
      informer.start();
      await eventually(async () => assert.equal((await get(server, "/readyz")).status, 200));
      assert.match((await get(server, "/readyz?verbose")).text, /\[\+\]informers-synced ok/);

      assert.equal((await get(server, "/metrics")).status, 404);
      const metrics = await get(metricsServer, "/metrics");
      assert.equal(metrics.status, 200);
      assert.match(metrics.type ?? "", /^text\/plain; version=0\.0\.4/);
      assert.match(metrics.text, /^informer_objects\{name="configmaps"\} 1$/m);
      assert.match(metrics.text, /^# TYPE informer_lists_total counter$/m);
      assert.match(metrics.text, /^informer_lists_total\{name="configmaps"\} 1$/m);
      assert.match(metrics.text, /^workqueue_depth\{name="configmaps"\} 1$/m);
      assert.match(metrics.text, /^workqueue_adds_total\{name="configmaps"\} 1$/m);
      // A queue made later joins the metrics already registered.
      registerQueueMetrics({ later: new WorkQueue({ name: "later", logger: quiet }) }, registry);
      assert.match((await get(metricsServer, "/metrics")).text, /^workqueue_depth\{name="later"\} 0$/m);

      alive = false;
      assert.equal((await get(server, "/healthz")).status, 500);
      assert.equal((await get(server, "/nothing")).status, 404);
    } finally {
      await informer.stop();
      await queue.shutdown();
      await server.close();
      await metricsServer.close();
    }
  });

  it("cuts off callers that send their headers slowly, on the health and the metrics port", async function () {
    this.timeout(30_000);
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: { process: () => true }, logger: quiet });
    const metricsServer = await startMetricsServer({ host: "127.0.0.1", port: 0, registry: new Registry(), logger: quiet, access: "none" });
    try {
      // Node's defaults hold such a connection for a minute and more (headers) or five (request).
      const held = [server.port, metricsServer.port].map((port) => {
        const started = performance.now();
        const socket = connect(port, "127.0.0.1");
        socket.on("error", () => {});
        socket.on("connect", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
        const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 500);
        return new Promise<number>((resolve) =>
          socket.on("close", () => {
            clearInterval(drip);
            resolve(performance.now() - started);
          }),
        );
      });
      const closedAfter = await Promise.race([Promise.all(held), new Promise<"held">((resolve) => setTimeout(() => resolve("held"), 20_000))]);
      assert.notEqual(closedAfter, "held", "a slow caller still holds a connection after 20 s");
      for (const ms of closedAfter as number[]) assert.ok(ms >= 9_000, `cut off after ${Math.round(ms)} ms, before the 10 s bound`);
      assert.equal((await get(server, "/healthz")).status, 200);
    } finally {
      await server.close();
      await metricsServer.close();
    }
  });
});
