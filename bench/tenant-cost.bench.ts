// One tenant's costliest accepted profiles against everyone else, on a real control plane: 40
// profiles of the most unknown syscall names the schema allows are created in one namespace, then
// one small profile in another. Prints how long the agent and the controller took at worst to
// answer /healthz meanwhile (targets: under 100 ms), the longest delay of each one's event loop,
// and how long the other namespace's profile took to reach the node (target: under a second).
import { existsSync } from "node:fs";
import { API_VERSION, PROFILE_KIND } from "../src/api/names.js";
import { MAX_TOTAL_NAMES } from "../src/api/profile-spec.js";
import { PROFILE_RESOURCE } from "../src/api/resources.js";
import type { KubeObject } from "../src/kube/objects.js";
import { RestClient } from "../src/kube/rest-client.js";
import { startAgent, startController, stableFile } from "../test/harness/agents.js";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { costlySpec, probeHealth } from "../test/harness/health-prober.js";
import { createNamespace } from "../test/harness/namespaces.js";
import { scrapeMetrics } from "../test/harness/metrics.js";

const COSTLY = Number(process.env.BENCH_COSTLY_PROFILES ?? 40);
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

const cp = await ControlPlane.start();
try {
  await installCrds(cp.kubeConfig());
  const client = new RestClient(cp.kubeConfig());
  const flood = await createNamespace(cp, "costly profiles");
  const quiet = await createNamespace(cp, "another tenant");
  const agent = await startAgent(cp, { nodeName: "tenant-cost-bench-node" });
  const controller = await startController(cp, { identity: "tenant-cost-bench-controller" });
  const create = (namespace: string, name: string, spec: object) =>
    client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec } as KubeObject);
  const ports = { agent: agent.metricsPort, controller: controller.metricsPort };
  // The event loop's longest delay since the last scrape (prom-client resets it at each): read once
  // before the flood, so that the figure after it is the flood's.
  const loopDelayMs = async (port: number) => {
    const text = await scrapeMetrics(cp, port);
    return Number(/^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1]) * 1000;
  };
  for (const port of Object.values(ports)) await loopDelayMs(port);
  const probes = { agent: probeHealth(`http://127.0.0.1:${agent.healthPort}/healthz`), controller: probeHealth(`http://127.0.0.1:${controller.healthPort}/healthz`) };
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let i = 0; i < COSTLY; i += 10)
    await Promise.all(Array.from({ length: Math.min(10, COSTLY - i) }, (_, j) => create(flood, `costly-${i + j}`, costlySpec(4, MAX_TOTAL_NAMES / 4))));
  const created = Date.now();
  await create(quiet, "web", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["exit", "exit_group", "read"], action: "SCMP_ACT_ALLOW" }] });
  while (!existsSync(stableFile(agent, quiet, "web"))) await new Promise((resolve) => setTimeout(resolve, 10));
  const latency = Date.now() - created;
  // Let both finish checking the costly profiles while still probed.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  for (const [who, running] of Object.entries(probes)) {
    const times = await running.stop();
    const loop = await loopDelayMs(ports[who as keyof typeof ports]);
    console.log(`${who}: ${times.length} /healthz answers while checking ${COSTLY} profiles of ${MAX_TOTAL_NAMES} unknown names: p50 ${percentile(times, 50)} ms, p99 ${percentile(times, 99)} ms, slowest ${Math.max(...times)} ms; its event loop delayed ${loop.toFixed(0)} ms at most`);
  }
  console.log(`another namespace's profile on the node ${latency} ms after it was created`);
  await controller.process.stop();
  await agent.process.stop();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cp.stop();
}
