// Workloads behave as in a cluster: simulated nodes turn Ready and keep a
// Lease, the scheduler binds a Deployment's pods to them, they run, and the
// garbage collector removes them with their Deployment.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoordinationV1Api, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { isNotFound } from "../harness/api-errors.js";
import { eventually } from "../harness/eventually.js";
import { nodeIsReady } from "../harness/kwok.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

describe("simulated nodes and workloads", function () {
  const cp = useControlPlane();
  // Nodes are cluster-wide: each test names its own and deletes them after.
  const nodes: string[] = [];
  let core: CoreV1Api;

  before(async function () {
    this.timeout(180_000);
    await cp().startWorkloadComponents();
    core = cp().kubeConfig().makeApiClient(CoreV1Api);
  });

  const namespace = useNamespace(cp);

  afterEach(async function () {
    for (const name of nodes.splice(0)) {
      await core.deleteNode({ name }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  });

  async function fakeNode(): Promise<string> {
    const name = `sim-${randomBytes(3).toString("hex")}`;
    nodes.push(name);
    await cp().createFakeNode(name);
    return name;
  }

  it("a simulated node becomes Ready and renews its Lease", async function () {
    this.timeout(90_000);
    const name = await fakeNode();
    const node = await cp().waitForNodeReady(name);
    assert.ok(nodeIsReady(node));
    assert.ok(node.status?.allocatable?.pods, "the node offers capacity to the scheduler");

    const leases = cp().kubeConfig().makeApiClient(CoordinationV1Api);
    const first = await eventually(() => leases.readNamespacedLease({ name, namespace: "kube-node-lease" }));
    assert.ok(first.spec?.renewTime, "the lease has been renewed once");
    await eventually(
      async () => {
        const lease = await leases.readNamespacedLease({ name, namespace: "kube-node-lease" });
        assert.notEqual(lease.spec?.renewTime, first.spec?.renewTime, "the lease was renewed");
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    // The node lifecycle controller sees a live node: no unreachable taint.
    const current = await core.readNode({ name });
    assert.ok(!(current.spec?.taints ?? []).some((t) => t.key.startsWith("node.kubernetes.io/un")), JSON.stringify(current.spec?.taints));
  });

  it("a Deployment's pods run on simulated nodes and are garbage-collected with it", async function () {
    this.timeout(120_000);
    const [nodeA, nodeB] = [await fakeNode(), await fakeNode()];
    await Promise.all([cp().waitForNodeReady(nodeA), cp().waitForNodeReady(nodeB)]);

    const ns = namespace();
    const apps = cp().kubeConfig().makeApiClient(AppsV1Api);
    const labels = { app: "web" };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              // Only the simulated nodes of this test.
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeA, nodeB] }] }],
                  },
                },
              },
              containers: [
                {
                  name: "web",
                  image: "registry.example/web:1.0",
                  securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                },
              ],
            },
          },
        },
      },
    });

    const running = await eventually(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items;
        assert.equal(pods.length, 3, `pods: ${pods.map(describePod).join("; ")}`);
        for (const pod of pods) {
          assert.equal(pod.status?.phase, "Running", describePod(pod));
          assert.ok(pod.status?.podIP, `${pod.metadata?.name} has an IP`);
          assert.ok(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), describePod(pod));
        }
        return pods;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const pod of running) assert.ok([nodeA, nodeB].includes(pod.spec?.nodeName ?? ""), describePod(pod));
    // The pods belong to a ReplicaSet that belongs to the Deployment.
    const owner = running[0]!.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, "ReplicaSet");
    await eventually(async () => {
      const deployment = await apps.readNamespacedDeployment({ name: "web", namespace: ns });
      assert.equal(deployment.status?.availableReplicas, 3);
    });

    await apps.deleteNamespacedDeployment({ name: "web", namespace: ns, propagationPolicy: "Background" });
    await eventually(
      async () => {
        const replicaSets = (await apps.listNamespacedReplicaSet({ namespace: ns })).items;
        assert.deepEqual(replicaSets.map((r) => r.metadata?.name), [], "ReplicaSets collected");
        const pods = (await core.listNamespacedPod({ namespace: ns })).items;
        assert.deepEqual(pods.map(describePod), [], "pods collected");
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });
});

function describePod(pod: V1Pod): string {
  return `${pod.metadata?.name} on ${pod.spec?.nodeName ?? "-"} ${pod.status?.phase ?? "?"}`;
}
