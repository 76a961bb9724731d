// A tenant whose profiles fail to install on a node, more of them than the node lists, two of
// them in another tenant's digest bucket: the other tenant's profile must stay Ready there.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIGEST_SALT_SECRET, readDigestSalt } from "../../src/api/digest-salt.js";
import { API_VERSION, PROFILE_ANNOTATION, PROFILE_KIND } from "../../src/api/names.js";
import { MAX_NODE_FAILURES, type NodeReport } from "../../src/api/node-status.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import { NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { stableFile, startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";
import { renderSpec } from "../render-spec.js";

const spec: ProfileSpec = { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read"], action: "SCMP_ACT_ALLOW" }] };
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };
interface Profile extends KubeObject {
  status?: ProfileStatus;
}
interface Pod extends KubeObject {
  spec: { containers: { securityContext?: { seccompProfile?: { type: string; localhostProfile?: string } } }[] };
}

describe("failures a node does not list", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  const node = "hidden-failures-node";
  let client: RestClient;
  let agent: AgentProcess;
  let controller: ControllerProcess;
  let evil: string;
  let victim: string;

  before(async function () {
    await prepareWorkloadCluster(cp(), [node]);
    client = new RestClient(cp().kubeConfig());
    evil = await createNamespace(cp(), "hidden failures tenant");
    victim = await createNamespace(cp(), "hidden failures victim");
    agent = await startAgent(cp(), { nodeName: node });
    controller = await startController(cp(), { identity: "hidden-failures-controller", extraArgs: ["--agent-timeout=6"] });
  });

  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const create = (namespace: string, name: string) =>
    client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec } as KubeObject);
  const profile = (namespace: string, name: string) => client.get<Profile>({ ...PROFILE_RESOURCE, namespace, name });
  const installed = (p: Profile) => p.status?.conditions?.find((c) => c.type === "Installed");
  const report = async () => (await client.get<KubeObject & { status?: NodeReport }>({ ...NODE_STATUS_RESOURCE, name: node })).status;

  it("keeps the victim Ready and its workloads patched when 64 listed and 2 unlisted failures share its bucket", async () => {
    // The test knows the cluster's salt (a tenant does not): it builds the worst case on purpose.
    const salt = (await readDigestSalt(client, { namespace: "seccomp-operator-system", name: DIGEST_SALT_SECRET }))!;
    const bucketOf = (key: string) => salt.bucketOf(key);
    const target = bucketOf(`${victim}/app`);
    // 64 names that sort first and are listed, none in the victim's bucket; then two in it.
    const listed: string[] = [];
    for (let i = 0; listed.length < MAX_NODE_FAILURES; i++) if (bucketOf(`${evil}/a${String(i).padStart(4, "0")}`) !== target) listed.push(`a${String(i).padStart(4, "0")}`);
    const hidden: string[] = [];
    for (let i = 0; hidden.length < 2; i++) if (bucketOf(`${evil}/z${i}`) === target) hidden.push(`z${i}`);

    // The tenant's folder on the node, made by the agent; then an obstacle where each failing
    // profile's pinned folder goes: a regular file, which the agent refuses to replace.
    await create(evil, "seed");
    await eventually(async () => assert.ok(existsSync(stableFile(agent, evil, "seed"))), { timeoutMs: 60_000 });
    for (const name of [...listed, ...hidden]) writeFileSync(join(agent.seccompDir, "operator", evil, name), "in the way\n");
    for (const name of [...listed, ...hidden]) await create(evil, name);
    await eventually(
      async () => {
        const r = await report();
        assert.equal(r?.failures?.length, MAX_NODE_FAILURES);
        // At least the two hidden ones: other suites' invalid profiles on the shared control plane fail here too.
        assert.ok((r?.failuresOmitted ?? 0) >= 2, `failuresOmitted ${r?.failuresOmitted}`);
        for (const name of hidden) assert.ok(!r?.failures?.some((f) => f.profile === `${evil}/${name}`), `${name} is not listed`);
      },
      { timeoutMs: 120_000 },
    );

    await create(victim, "app");
    const ready = await eventually(
      async () => {
        const p = await profile(victim, "app");
        assert.equal(installed(p)?.status, "True", JSON.stringify(p.status?.conditions));
        assert.equal(p.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
        return p;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(ready.status?.hash, renderSpec(spec).hash);
    // The unlisted failures are named as failures on the node, not as a node still installing.
    await eventually(async () => assert.match(installed(await profile(evil, hidden[0]!))?.message ?? "", new RegExp(`${node}.*not listed`)), { timeoutMs: 60_000 });

    // A workload asking for the victim's profile gets it, and so do its pods.
    await client.create({ ...DEPLOYMENTS, namespace: victim }, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app", namespace: victim, annotations: { [PROFILE_ANNOTATION]: "app" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "app" } },
        template: {
          metadata: { labels: { app: "app" } },
          spec: { tolerations: [{ operator: "Exists" }], nodeSelector: { type: "kwok" }, containers: [{ name: "app", image: "app:1", securityContext: { allowPrivilegeEscalation: false } }] },
        },
      },
    } as never);
    const path = `operator/${victim}/app/${ready.status?.hash}.json`;
    await eventually(
      async () => {
        const pods = await client.list<Pod>({ ...POD_RESOURCE, namespace: victim }, { labelSelector: "app=app" });
        assert.ok(pods.items.length > 0, "no pod yet");
        for (const pod of pods.items) assert.equal(pod.spec.containers[0]?.securityContext?.seccompProfile?.localhostProfile, path);
      },
      { timeoutMs: 60_000 },
    );

    // Still Ready after more heartbeats and status writes: readiness is recomputed each time.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(installed(await profile(victim, "app"))?.status, "True");
  });
});
