// The cluster's digest salt with the real processes: an agent started before any salt exists
// reports a heartbeat and no digests, and its node holds the profile back; the controller
// creates the salt Secret, the agent reads it, names it in its status, and the profile is Ready.
import assert from "node:assert/strict";
import { DIGEST_SALT_SECRET, ensureDigestSalt, readDigestSalt } from "../../src/api/digest-salt.js";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import type { NodeReport } from "../../src/api/node-status.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import { NODE_STATUS_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { ensureOperatorNamespace, startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace, deleteNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";

interface Profile extends KubeObject {
  status?: ProfileStatus;
}

describe("digest salt", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  const node = "digest-salt-node";
  let client: RestClient;
  let operator: string;
  let tenant: string;
  let agent: AgentProcess | undefined;
  let controller: ControllerProcess | undefined;

  before(async function () {
    await prepareWorkloadCluster(cp(), [node]);
    client = new RestClient(cp().kubeConfig());
    // An operator namespace of its own: no salt exists there until the controller makes one.
    operator = `salt-operator-${Date.now().toString(36)}`;
    await ensureOperatorNamespace(cp(), operator);
    tenant = await createNamespace(cp(), "digest salt tenant");
  });

  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
    await deleteNamespace(cp(), operator).catch(() => undefined);
  });

  const report = async () => (await client.find<KubeObject & { status?: NodeReport }>({ ...NODE_STATUS_RESOURCE, name: node }))?.status;
  const profile = () => client.get<Profile>({ ...PROFILE_RESOURCE, namespace: tenant, name: "app" });
  const condition = (p: Profile, type: string) => p.status?.conditions?.find((c) => c.type === type);

  it("the agent reports a heartbeat without digests until the controller creates the salt, then names it, and the profile becomes Ready", async () => {
    agent = await startAgent(cp(), { nodeName: node, provideSalt: false, operatorNamespace: operator });
    await eventually(async () => {
      const r = await report();
      assert.ok(r?.heartbeatTime, "a heartbeat");
      assert.equal(r.installed, undefined, "no digests without the salt");
      assert.equal(r.failedBuckets, undefined);
    });
    assert.equal(await readDigestSalt(client, { namespace: operator, name: DIGEST_SALT_SECRET }), undefined, "the agent creates no salt");

    await client.create({ ...PROFILE_RESOURCE, namespace: tenant }, {
      apiVersion: API_VERSION,
      kind: PROFILE_KIND,
      metadata: { name: "app", namespace: tenant },
      spec: { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read"], action: "SCMP_ACT_ALLOW" }] },
    } as KubeObject);
    controller = await startController(cp(), { identity: "digest-salt-controller", extraArgs: [`--operator-namespace=${operator}`, "--agent-timeout=30"] });

    const salt = await eventually(async () => {
      const s = await readDigestSalt(client, { namespace: operator, name: DIGEST_SALT_SECRET });
      assert.ok(s, "the controller created the salt Secret");
      return s;
    });
    await eventually(
      async () => {
        const r = await report();
        assert.equal(r?.installed?.saltId, salt.id, "the agent names the salt it read");
        assert.ok(!JSON.stringify(r).includes(Buffer.from(salt.secretData().salt!, "base64").toString("hex")), "and not the salt itself");
        const p = await profile();
        assert.equal(condition(p, "Installed")?.status, "True", JSON.stringify(p.status?.conditions));
        assert.equal(condition(p, "Ready")?.status, "True");
      },
      { timeoutMs: 90_000 },
    );
    const secret = await client.get<KubeObject & { data?: Record<string, string> }>({ group: "", version: "v1", plural: "secrets", namespace: operator, name: DIGEST_SALT_SECRET });
    assert.equal(Buffer.from(secret.data!.salt!, "base64").length, 32);

    // A restarted controller keeps the salt it finds.
    await controller.process.stop();
    controller = await startController(cp(), { identity: "digest-salt-controller-2", extraArgs: [`--operator-namespace=${operator}`, "--agent-timeout=30"] });
    assert.equal((await readDigestSalt(client, { namespace: operator, name: DIGEST_SALT_SECRET }))?.id, salt.id);
    await eventually(async () => assert.equal(condition(await profile(), "Ready")?.status, "True"));
  });

  it("replicas creating the salt at once agree on one", async () => {
    const ref = { namespace: operator, name: `${DIGEST_SALT_SECRET}-race` };
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureDigestSalt(new RestClient(cp().kubeConfig()), ref)));
    assert.equal(new Set(results.map((r) => r.salt.id)).size, 1, "one salt");
    assert.ok(results.filter((r) => r.created).length <= 1, "created once");
    assert.equal((await readDigestSalt(client, ref))?.id, results[0]!.salt.id);
  });
});
