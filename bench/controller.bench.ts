// Controller memory on a real control plane: with 10,000 Deployments that reference no
// profile, then with 1,000 profiles and 1,000 Deployments that reference them. The controller
// is a real process; its resident memory is read from /proc once its caches have caught up.
import { settledRssMiB } from "./process-memory.js";
import { API_VERSION, PROFILE_ANNOTATION, PROFILE_KIND } from "../src/api/names.js";
import { PROFILE_RESOURCE } from "../src/api/resources.js";
import { RestClient } from "../src/kube/rest-client.js";
import { startController } from "../test/harness/agents.js";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { createNamespace } from "../test/harness/namespaces.js";

const unrelated = Number(process.env.BENCH_UNRELATED ?? 10_000);
const referenced = Number(process.env.BENCH_REFERENCED ?? 1_000);
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };


const deployment = (namespace: string, name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace, annotations, labels: { app: name, tier: "bench" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name, tier: "bench" } },
      spec: { containers: [{ name: "app", image: "registry.example/app:1.0", env: [{ name: "MODE", value: "bench" }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
    },
  },
});

async function inBatches(count: number, make: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => make(i + j)));
}


const cp = await ControlPlane.start();
try {
  await installCrds(cp.kubeConfig());
  const client = new RestClient(cp.kubeConfig());
  const controller = await startController(cp, { identity: "bench-controller" });
  console.log(`controller bench: node ${process.version}`);
  console.log(`controller RSS idle: ${(await settledRssMiB(controller.process.pid)).toFixed(0)} MiB`);

  const plain = await createNamespace(cp, "bench-unrelated");
  const t0 = Date.now();
  await inBatches(unrelated, (i) => client.create({ ...DEPLOYMENTS, namespace: plain }, deployment(plain, `d${i}`) as never));
  console.log(`controller RSS with ${unrelated} Deployments that reference nothing: ${(await settledRssMiB(controller.process.pid)).toFixed(0)} MiB (created in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);

  const used = await createNamespace(cp, "bench-referenced");
  await inBatches(referenced, (i) =>
    client.create({ ...PROFILE_RESOURCE, namespace: used }, {
      apiVersion: API_VERSION,
      kind: PROFILE_KIND,
      metadata: { name: `p${i}`, namespace: used },
      spec: { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read", "write"], action: "SCMP_ACT_ALLOW" }] },
    }),
  );
  await inBatches(referenced, (i) => client.create({ ...DEPLOYMENTS, namespace: used }, deployment(used, `r${i}`, { [PROFILE_ANNOTATION]: `p${i}` }) as never));
  console.log(`controller RSS with ${referenced} profiles and ${referenced} referencing Deployments more: ${(await settledRssMiB(controller.process.pid)).toFixed(0)} MiB`);
  await controller.process.stop();
} finally {
  await cp.stop();
}
