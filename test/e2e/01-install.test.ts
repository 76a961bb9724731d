// dist/install.yaml (through the test overlay) on a real node: the operator's
// pods run, Ready, with the security contexts as shipped, the controller under
// its own Localhost profile and the agent under RuntimeDefault.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreV1Api, DiscoveryV1Api } from "@kubernetes/client-node";
import { OPERATOR_NAMESPACE, renderOverlay, useE2eCluster } from "../harness/e2e-cluster.js";
import { apiGet } from "../harness/raw-api.js";
import { loadKubeConfig } from "../harness/kubeconfig.js";
import { KUBERNETES_SERVICE_IP, NODE_IP } from "../harness/real-node.js";

describe("e2e: the operator installed from its manifests on a real node", function () {
  this.timeout(120_000);
  const cluster = useE2eCluster();

  it("has a node registered with its own node credentials, confined by NodeRestriction", async function () {
    const c = cluster();
    const node = await c.core().readNode({ name: c.node.nodeName });
    assert.ok(node.status?.addresses?.some((a) => a.type === "InternalIP" && a.address === NODE_IP));
    assert.ok(node.metadata?.managedFields?.some((m) => m.manager === "kubelet"), "the Node object was not written by the kubelet");
    // The kubelet's identity may not create or change another node.
    const asNode = loadKubeConfig(join(c.node.dir, "kubelet.kubeconfig")).makeApiClient(CoreV1Api);
    await assert.rejects(
      asNode.createNode({ body: { metadata: { name: "not-this-node" } } }),
      (err: { code?: number }) => err.code === 403,
      "NodeRestriction let a node create another node",
    );
  });

  it("routes in-cluster clients to the API server through the kubernetes Service", async function () {
    const c = cluster();
    const svc = await c.core().readNamespacedService({ namespace: "default", name: "kubernetes" });
    assert.equal(svc.spec?.clusterIP, KUBERNETES_SERVICE_IP);
    const slices = await c.kubeConfig().makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: "default", labelSelector: "kubernetes.io/service-name=kubernetes" });
    assert.deepEqual(slices.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)), [NODE_IP]);
    // The agent, Ready and so talking to the API server, was given the Service's address.
    const [agent] = await c.pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=agent");
    const environ = (await c.containerProc(agent!, "environ")).split("\0").join("\n");
    assert.match(environ, new RegExp(`^KUBERNETES_SERVICE_HOST=${KUBERNETES_SERVICE_IP.replace(/\./g, "\\.")}$`, "m"));
    // kube-proxy's rule is what makes that address reach the API server.
    const nat = await c.node.nodeCommand(["iptables", "-w", "-t", "nat", "-S"]);
    assert.match(nat, new RegExp(`-d ${KUBERNETES_SERVICE_IP}/32 .*--dport 443`));
  });

  it("runs the operator's pods with the security contexts of the shipped manifests", async function () {
    const c = cluster();
    const manifests = await renderOverlay();
    for (const [kind, component] of [["DaemonSet", "agent"], ["Deployment", "controller"]] as const) {
      const workload = manifests.find((m) => m.kind === kind && m.metadata.namespace === OPERATOR_NAMESPACE) as unknown as {
        spec: { template: { spec: { securityContext: unknown; containers: { name: string; securityContext: Record<string, unknown> }[] } } };
      };
      assert.ok(workload, `no ${kind} in the manifests`);
      // As JSON from the API, not through the client's models.
      const res = await apiGet(c.kubeConfig(), `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods?labelSelector=app.kubernetes.io/component%3D${component}`);
      const pods = (res.body as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: typeof workload.spec.template.spec }[] }).items.filter(
        (p) => !p.metadata.deletionTimestamp,
      );
      assert.ok(pods.length > 0, `no ${component} pods`);
      for (const pod of pods) {
        assert.deepEqual(pod.spec.securityContext, workload.spec.template.spec.securityContext, `${pod.metadata.name}: pod security context`);
        const shipped = workload.spec.template.spec.containers[0]!;
        const running = pod.spec.containers.find((x) => x.name === shipped.name)!;
        // The controller's container profile is the one field the operator
        // itself changes (to its own Localhost profile; checked below).
        const strip = (sc: Record<string, unknown>) => (component === "controller" ? { ...sc, seccompProfile: undefined } : sc);
        assert.deepEqual(strip(running.securityContext), strip(shipped.securityContext), `${pod.metadata.name}: container security context`);
      }
    }
  });

  it("runs the agent under RuntimeDefault as root without capabilities, Ready", async function () {
    const pods = await cluster().pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=agent");
    assert.equal(pods.length, 1, "one agent pod on the one node");
    const pod = pods[0]!;
    assert.ok(pod.status?.containerStatuses?.[0]?.ready, `agent pod ${pod.metadata?.name} is not Ready`);
    const sc = pod.spec!.containers[0]!.securityContext!;
    assert.deepEqual({ ...sc.seccompProfile }, { type: "RuntimeDefault" });
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.deepEqual(sc.capabilities?.drop, ["ALL"]);
    // What the kernel says about the running agent: filter mode 2, no capabilities.
    const status = await cluster().containerProc(pod, "status");
    assert.match(status, /^Seccomp:\s+2$/m, "the agent's process is not under a seccomp filter");
    assert.match(status, /^CapEff:\s+0+$/m, "the agent's process has effective capabilities");
  });

  it("runs both controller replicas under the operator's own pinned Localhost profile, non-root, Ready", async function () {
    const profile = await cluster().profile(OPERATOR_NAMESPACE, "seccomp-operator");
    const pods = await cluster().pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=controller");
    const running = pods.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(running.length, 2);
    for (const pod of running) {
      assert.ok(pod.status?.containerStatuses?.[0]?.ready, `controller pod ${pod.metadata?.name} is not Ready`);
      const sc = pod.spec!.containers[0]!.securityContext!;
      assert.deepEqual({ ...sc.seccompProfile }, {
        type: "Localhost",
        localhostProfile: `operator/${OPERATOR_NAMESPACE}/seccomp-operator/${profile.status!.hash}.json`,
      });
      assert.equal(sc.runAsUser, 65532);
      assert.equal(sc.allowPrivilegeEscalation, false);
      // The pinned file the kubelet loaded is on the node, as rendered.
      assert.ok(cluster().nodeFile(`seccomp/${sc.seccompProfile!.localhostProfile}`), "the pinned profile is not on the node");
      // And the kernel applies a filter to the controller's process.
      assert.match(await cluster().containerProc(pod, "status"), /^Seccomp:\s+2$/m, `controller ${pod.metadata?.name} is not under a seccomp filter`);
    }
  });
});
