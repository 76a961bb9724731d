import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { API_VERSION, FINALIZER, PROFILE_ANNOTATION, PROFILE_KIND } from "../../src/api/names.js";
import { NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { renderSpec } from "../render-spec.js";
import { pinnedFile, stableFile, startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";

const ESSENTIALS = ["exit", "exit_group", "rt_sigreturn"];
const spec = (...names: string[]): ProfileSpec => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls: [{ names: [...ESSENTIALS, ...names], action: "SCMP_ACT_ALLOW" }],
});
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };

interface Profile extends KubeObject {
  status?: ProfileStatus;
}
interface Workload extends KubeObject {
  spec: { template: { spec: { containers: { name: string; securityContext?: { seccompProfile?: { type: string; localhostProfile?: string } } }[] } } };
}

describe("controller end to end", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  let client: RestClient;
  let ns: string;
  const nodes = ["e2e-node-1", "e2e-node-2", "e2e-node-3"];
  let agents: AgentProcess[] = [];
  let controller: ControllerProcess;

  before(async function () {
    await prepareWorkloadCluster(cp(), nodes);
    client = new RestClient(cp().kubeConfig());
    agents = await Promise.all(nodes.map((nodeName) => startAgent(cp(), { nodeName })));
    controller = await startController(cp(), { identity: "e2e-controller", extraArgs: ["--agent-timeout=6"] });
    ns = await createNamespace(cp(), "controller-e2e");
  });

  after(async () => {
    await controller?.process.stop();
    await Promise.all(agents.map((a) => a.process.stop()));
    for (const node of nodes) await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const apply = (name: string, profileSpec: object) =>
    client.apply({ ...PROFILE_RESOURCE, namespace: ns, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: ns }, spec: profileSpec }, { fieldManager: "e2e", force: true });
  const profile = (name: string) => client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name });
  const condition = (p: Profile, type: string) => p.status?.conditions?.find((c) => c.type === type);
  const deployment = (name: string) => client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name });

  it("reports a profile Installed and Ready once every node has it, with a finalizer", async () => {
    const rendered = renderSpec(spec("read", "write"));
    await apply("web", spec("read", "write"));
    const ready = await eventually(
      async () => {
        const p = await profile("web");
        assert.equal(condition(p, "Ready")?.status, "True", JSON.stringify(p.status?.conditions));
        return p;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(ready.status?.hash, rendered.hash);
    assert.deepEqual([ready.status?.nodes?.installed, ready.status?.nodes?.total], [3, 3]);
    assert.equal(ready.status?.localhostProfile, `operator/${ns}/web.json`);
    assert.equal(ready.status?.observedGeneration, ready.metadata?.generation);
    for (const c of ready.status?.conditions ?? []) assert.equal(c.observedGeneration, ready.metadata?.generation);
    assert.ok(ready.metadata?.finalizers?.includes(FINALIZER));
    for (const agent of agents) assert.ok(existsSync(pinnedFile(agent, ns, "web", rendered.hash)));
  });

  it("reports an invalid profile with the field and the reason, and keeps the last good hash", async () => {
    await apply("typo", spec("read"));
    await eventually(async () => assert.equal(condition(await profile("typo"), "Ready")?.status, "True"), { timeoutMs: 30_000 });
    const good = renderSpec(spec("read")).hash;
    await apply("typo", spec("read", "opnat"));
    const p = await eventually(
      async () => {
        const p = await profile("typo");
        assert.equal(condition(p, "Valid")?.status, "False");
        return p;
      },
      { timeoutMs: 30_000 },
    );
    assert.match(condition(p, "Valid")!.message, /spec\.syscalls\[0\]\.names\[4\]: opnat is not a syscall/);
    assert.equal(p.status?.hash, good);
  });

  it("patches an annotated Deployment only after every node has the new hash, and its pods run with the field", async () => {
    await apply("shop", spec("read"));
    await eventually(async () => assert.equal(condition(await profile("shop"), "Ready")?.status, "True"), { timeoutMs: 30_000 });
    await client.create({ ...DEPLOYMENTS, namespace: ns }, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "shop", namespace: ns, annotations: { [PROFILE_ANNOTATION]: "shop" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "shop" } },
        template: {
          metadata: { labels: { app: "shop" } },
          spec: {
            tolerations: [{ operator: "Exists" }],
            nodeSelector: { type: "kwok" },
            containers: [{ name: "app", image: "shop:1", securityContext: { allowPrivilegeEscalation: false } }],
          },
        },
      },
    } as never);
    const v1 = renderSpec(spec("read"));
    const path = (hash: string) => `operator/${ns}/shop/${hash}.json`;
    await eventually(async () => assert.equal((await deployment("shop")).spec.template.spec.containers[0]?.securityContext?.seccompProfile?.localhostProfile, path(v1.hash)), { timeoutMs: 30_000 });
    const d = await deployment("shop");
    assert.equal(d.spec.template.spec.containers[0]?.securityContext?.seccompProfile?.type, "Localhost");
    assert.equal(d.spec.template.spec.containers[0]?.securityContext?.seccompProfile && (d.spec.template.spec.containers[0] as { image?: string }).image, "shop:1");
    await eventually(
      async () => {
        const pods = await client.list<KubeObject & { spec: Workload["spec"]["template"]["spec"]; status?: { phase?: string } }>({ ...POD_RESOURCE, namespace: ns }, { labelSelector: "app=shop" });
        const running = pods.items.filter((p) => p.status?.phase === "Running" && p.spec.containers[0]?.securityContext?.seccompProfile?.localhostProfile === path(v1.hash));
        assert.equal(running.length, 2, JSON.stringify(pods.items.map((p) => p.status?.phase)));
      },
      { timeoutMs: 60_000 },
    );

    // Update: record when each node first has the new file and when the template first changes.
    const v2 = renderSpec(spec("read", "write"));
    const seenOnNode = new Map<string, number>();
    let templateAt: number | undefined;
    await apply("shop", spec("read", "write"));
    const deadline = Date.now() + 60_000;
    while (templateAt === undefined && Date.now() < deadline) {
      for (const agent of agents) if (!seenOnNode.has(agent.nodeName) && existsSync(pinnedFile(agent, ns, "shop", v2.hash))) seenOnNode.set(agent.nodeName, Date.now());
      const current = (await deployment("shop")).spec.template.spec.containers[0]?.securityContext?.seccompProfile?.localhostProfile;
      if (current === path(v2.hash)) templateAt = Date.now();
      else assert.equal(current, path(v1.hash), "the template keeps the old path until the new one is everywhere");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(templateAt !== undefined, "the template moved to the new hash");
    assert.equal(seenOnNode.size, nodes.length, `every node had the new file before the template changed (${[...seenOnNode.keys()]})`);
    for (const [node, at] of seenOnNode) assert.ok(at <= templateAt, `${node} had it ${at - templateAt} ms after the template changed`);
    // The hash the template names is reported, so agents keep its file for pods still to come.
    await eventually(async () => assert.ok((await profile("shop")).status?.hashesInUse?.includes(v2.hash)), { timeoutMs: 20_000 });
  });

  it("waits to delete a profile in use, saying who uses it, and releases it once free", async () => {
    await client.delete({ ...PROFILE_RESOURCE, namespace: ns, name: "shop" });
    const blocked = await eventually(
      async () => {
        const p = await profile("shop");
        assert.equal(condition(p, "Ready")?.reason, "DeletionBlocked");
        return p;
      },
      { timeoutMs: 30_000 },
    );
    assert.match(condition(blocked, "Ready")!.message, new RegExp(`Deployment ${ns}/shop`));
    assert.ok(agents.every((a) => existsSync(stableFile(a, ns, "shop"))), "files stay while the profile is held");

    // Removing the annotation removes exactly our fields; the rollout replaces the pods.
    await client.mergePatch({ ...DEPLOYMENTS, namespace: ns, name: "shop" }, { metadata: { annotations: { [PROFILE_ANNOTATION]: null } } });
    await eventually(
      async () => {
        const c = (await deployment("shop")).spec.template.spec.containers[0]!;
        assert.equal(c.securityContext?.seccompProfile, undefined);
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false }, "the user's own securityContext stays");
      },
      { timeoutMs: 30_000 },
    );
    await client.mergePatch({ ...DEPLOYMENTS, namespace: ns, name: "shop" }, { spec: { replicas: 0 } });
    // The old ReplicaSet, kept for a rollback, still names the pinned file: it holds the profile.
    await eventually(async () => assert.match(condition(await profile("shop"), "Ready")?.message ?? "", new RegExp(`ReplicaSet ${ns}/shop-`)), { timeoutMs: 60_000 });
    const replicaSets = { group: "apps", version: "v1", plural: "replicasets", namespace: ns };
    for (const rs of (await client.list(replicaSets)).items) await client.delete({ ...replicaSets, name: rs.metadata!.name! });
    await eventually(async () => assert.equal(await client.find({ ...PROFILE_RESOURCE, namespace: ns, name: "shop" }), undefined), { timeoutMs: 90_000 });
    await eventually(() => agents.forEach((a) => assert.equal(existsSync(stableFile(a, ns, "shop")), false)), { timeoutMs: 30_000 });
  });

  it("names a node whose agent stopped, and does not wait for it", async () => {
    const stopped = agents[2]!;
    await stopped.process.stop();
    try {
      await apply("after-stop", spec("read"));
      const p = await eventually(
        async () => {
          const p = await profile("after-stop");
          assert.equal(condition(p, "Ready")?.status, "True", JSON.stringify(p.status));
          assert.deepEqual(p.status?.nodes?.stale, [stopped.nodeName]);
          return p;
        },
        { timeoutMs: 60_000 },
      );
      assert.deepEqual([p.status?.nodes?.installed, p.status?.nodes?.total], [2, 2]);
      assert.match(condition(p, "Installed")!.message, new RegExp(`agents not reporting \\(not counted\\): ${stopped.nodeName}`));
    } finally {
      agents[2] = await startAgent(cp(), { nodeName: stopped.nodeName, kubeletDir: stopped.kubeletDir });
    }
  });

  it("removes the status of a node that no longer exists once its agent is silent, and keeps those of live nodes", async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const report = { agentVersion: "0.1.0", heartbeatTime: old, failures: [] };
    for (const name of ["gone-node", nodes[0]!]) {
      await client.apply({ ...NODE_STATUS_RESOURCE, name }, { apiVersion: API_VERSION, kind: "SeccompNodeStatus", metadata: { name }, status: report }, { fieldManager: "e2e-test", force: true });
    }
    await eventually(async () => assert.equal(await client.find({ ...NODE_STATUS_RESOURCE, name: "gone-node" }), undefined), { timeoutMs: 40_000, intervalMs: 500 });
    assert.ok(await client.find({ ...NODE_STATUS_RESOURCE, name: nodes[0]! }), "a live node's status stays");
  });

  it("loses nothing when the leader is killed during a burst of 200 profiles", async function () {
    await controller.process.stop();
    const args = ["--leader-elect", `--lease-namespace=${ns}`, "--lease-duration=3", "--agent-timeout=6"];
    const first = await startController(cp(), { identity: "e2e-leader-a", extraArgs: args });
    await eventually(async () => assert.ok(await client.find({ group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: ns, name: "seccomp-operator-controller" })), { timeoutMs: 20_000 });
    const second = await startController(cp(), { identity: "e2e-leader-b", extraArgs: args });
    try {
      const names = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
      for (let i = 0; i < names.length; i += 20) {
        await Promise.all(names.slice(i, i + 20).map((name) => apply(name, spec("read"))));
        if (i === 100) process.kill(-first.process.pid, "SIGKILL");
      }
      await eventually(
        async () => {
          const list = await client.list<Profile>({ ...PROFILE_RESOURCE, namespace: ns }, { labelSelector: "" });
          const burst = list.items.filter((p) => p.metadata?.name?.startsWith("burst-"));
          const ready = burst.filter((p) => condition(p, "Ready")?.status === "True" && p.metadata?.finalizers?.includes(FINALIZER) && p.status?.observedGeneration === p.metadata?.generation);
          assert.equal(ready.length, 200, `${ready.length} of ${burst.length} ready`);
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
    } finally {
      await Promise.all([first.process.stop(), second.process.stop()]);
      controller = await startController(cp(), { identity: "e2e-controller", extraArgs: ["--agent-timeout=6"] });
    }
  });
});
