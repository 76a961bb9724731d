// The operator at scale on a real control plane: 10,000 profiles, 50,000 pods with 4 KB of
// annotations each, and 20,000 ReplicaSets whose templates pin profiles. Everything is created
// first; then the controller and one agent start as real processes, and the bench prints how long
// each took to be ready (caches synced; for the agent, every profile installed) and its resident
// memory once settled. Targets: controller <= 300 MiB, agent <= 80 MiB, both ready within 60 s.
import { rssMiB, settledRssMiB } from "./process-memory.js";
import { API_VERSION, PROFILE_KIND } from "../src/api/names.js";
import { POD_RESOURCE, PROFILE_RESOURCE } from "../src/api/resources.js";
import { RestClient } from "../src/kube/rest-client.js";
import { renderSpec } from "../test/render-spec.js";
import { startAgent, startController } from "../test/harness/agents.js";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { createNamespace } from "../test/harness/namespaces.js";
import { scrapeMetrics } from "../test/harness/metrics.js";

const PROFILES = Number(process.env.BENCH_PROFILES ?? 10_000);
const PODS = Number(process.env.BENCH_PODS ?? 50_000);
const REPLICA_SETS = Number(process.env.BENCH_REPLICASETS ?? 20_000);
/** Namespaces the objects are spread over. */
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 20);
/** Pods on the agent's own node, as on a full node. */
const PODS_ON_NODE = 110;
const NODE = "scale-bench-node";
const PRODUCTION_ARGS = ["--heartbeat=30", "--gc-interval=30", "--gc-grace=600"];

const spec = (i: number) => ({ defaultAction: "SCMP_ACT_ERRNO" as const, architectures: ["SCMP_ARCH_X86_64" as const], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read", "write", `pread64`, ...(i % 2 ? ["openat"] : [])], action: "SCMP_ACT_ALLOW" as const }] });
const hashes = [renderSpec(spec(0)).hash, renderSpec(spec(1)).hash];
const annotations = { "example.com/notes": "x".repeat(4096) };



/** Waits until the controller's profile queue is empty and stays so for a second; seconds waited. */
async function profilesReconciled(port: number, since: number): Promise<number> {
  let quietSince = 0;
  for (;;) {
    const text = await scrapeMetrics(cp, port);
    const depth = (name: string) => Number(new RegExp(`^${name}\\{name="profiles"\\} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
    const busy = depth("workqueue_depth") + depth("workqueue_processing");
    if (busy === 0) {
      if (quietSince === 0) quietSince = Date.now();
      if (Date.now() - quietSince > 1000) return (quietSince - since) / 1000;
    } else quietSince = 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function inBatches(count: number, make: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => make(i + j)));
}

const cp = await ControlPlane.start();
try {
  await installCrds(cp.kubeConfig());
  const client = new RestClient(cp.kubeConfig());
  const namespaces: string[] = [];
  for (let i = 0; i < NAMESPACES; i++) {
    const ns = await createNamespace(cp, `scale-${i}`);
    await client.create({ group: "", version: "v1", plural: "serviceaccounts", namespace: ns }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
    namespaces.push(ns);
  }
  const nsOf = (i: number) => namespaces[i % NAMESPACES]!;
  const profileOf = (i: number) => `p${Math.floor(i / NAMESPACES) % Math.ceil(PROFILES / NAMESPACES)}`;
  const pinned = (i: number) => `operator/${nsOf(i)}/${profileOf(i)}/${hashes[i % 2]}.json`;
  const template = (i: number) => ({ containers: [{ name: "app", image: "registry.example/app:1.0", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: pinned(i) } } }] });

  let t = Date.now();
  await inBatches(PROFILES, (i) => client.create({ ...PROFILE_RESOURCE, namespace: nsOf(i) }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: profileOf(i), namespace: nsOf(i) }, spec: spec(i) } as never));
  console.log(`created ${PROFILES} profiles in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  t = Date.now();
  await inBatches(REPLICA_SETS, (i) =>
    client.create({ group: "apps", version: "v1", plural: "replicasets", namespace: nsOf(i) }, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: `rs${i}`, namespace: nsOf(i), annotations },
      spec: { replicas: 0, selector: { matchLabels: { rs: `rs${i}` } }, template: { metadata: { labels: { rs: `rs${i}` } }, spec: template(i) } },
    } as never),
  );
  console.log(`created ${REPLICA_SETS} ReplicaSets in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  t = Date.now();
  await inBatches(PODS, (i) =>
    client.create({ ...POD_RESOURCE, namespace: nsOf(i) }, { apiVersion: "v1", kind: "Pod", metadata: { name: `pod${i}`, namespace: nsOf(i), annotations }, spec: { ...(i < PODS_ON_NODE ? { nodeName: NODE } : {}), ...template(i) } } as never),
  );
  console.log(`created ${PODS} pods (4 KB of annotations each, ${PODS_ON_NODE} on the agent's node) in ${((Date.now() - t) / 1000).toFixed(0)} s`);

  t = Date.now();
  const controller = await startController(cp, { identity: "scale-bench-controller", extraArgs: [] });
  console.log(`controller ready (caches synced) in ${((Date.now() - t) / 1000).toFixed(1)} s; RSS ${(await settledRssMiB(controller.process.pid)).toFixed(0)} MiB`);
  t = Date.now();
  // Ready only once every profile is installed, which takes longer than the harness waits.
  const agent = await startAgent(cp, { nodeName: NODE, extraArgs: PRODUCTION_ARGS, waitReady: false });
  let agentPeak = 0;
  for (;;) {
    agentPeak = Math.max(agentPeak, rssMiB(agent.process.pid));
    if (await fetch(`http://127.0.0.1:${agent.healthPort}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() - t > 15 * 60_000) throw new Error("the agent was not ready in 15 minutes");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(`agent ready (every profile installed) in ${((Date.now() - t) / 1000).toFixed(1)} s (peak RSS meanwhile ${agentPeak.toFixed(0)} MiB); RSS ${(await settledRssMiB(agent.process.pid)).toFixed(0)} MiB`);
  console.log(`controller: every profile reconciled with the agent's report ${(await profilesReconciled(controller.metricsPort, t)).toFixed(1)} s after the agent started; RSS ${(await settledRssMiB(controller.process.pid)).toFixed(0)} MiB`);
  await agent.process.stop();
  await controller.process.stop();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cp.stop();
}
