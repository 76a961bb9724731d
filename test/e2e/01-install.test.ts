// dist/install.yaml (through the test overlay) on a real node: the operator's
// pods run, Ready, with the security contexts as shipped, the controller under
// its own Localhost profile and the agent under RuntimeDefault.
import assert from "node:assert/strict";
import { OPERATOR_NAMESPACE, useE2eCluster } from "../harness/e2e-cluster.js";

describe("e2e: the operator installed from its manifests on a real node", function () {
  this.timeout(120_000);
  const cluster = useE2eCluster();

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
    const status = await cluster().node.nodeCommand(["sh", "-c", `cat /proc/$(pgrep -f '^node dist/cli/main.js agent' | head -n 1)/status`]);
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
    }
  });
});
