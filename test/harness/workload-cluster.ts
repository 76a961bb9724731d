// What a suite with workloads and node agents starts from: the CRDs, the components that make
// workloads behave as in a cluster, and simulated nodes that are Ready.
import type { ControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";

export async function prepareWorkloadCluster(cp: ControlPlane, nodes: readonly string[]): Promise<void> {
  await installCrds(cp.kubeConfig());
  await cp.startWorkloadComponents();
  for (const node of nodes) await cp.createFakeNode(node);
  await Promise.all(nodes.map((node) => cp.waitForNodeReady(node)));
}
