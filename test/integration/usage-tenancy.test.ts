import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import { NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { isAlreadyExists } from "../../src/kube/api-error.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { renderSpec } from "../render-spec.js";
import { pinnedFile, readIfExists, startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const spec = (...names: string[]): ProfileSpec => ({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", ...names], action: "SCMP_ACT_ALLOW" }] });
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };
const hex = (i: number) => i.toString(16).padStart(64, "f");

/** A Deployment at replicas 0 whose template names these files, by hand, without the operator's annotation. */
const deployment = (namespace: string, name: string, paths: string[]) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: paths.map((p, i) => ({ name: `c${i}`, image: "busybox", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: p } } })) },
    },
  },
});

describe("usage that only the right namespace can influence", function () {
  this.timeout(180_000);
  const cp = useControlPlane();
  let client: RestClient;
  let agent: AgentProcess;
  let controller: ControllerProcess;
  let team: string;
  let evil: string;
  const node = "usage-node";

  before(async function () {
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    team = await createNamespace(cp(), "usage team");
    evil = await createNamespace(cp(), "usage evil");
    agent = await startAgent(cp(), { nodeName: node });
    controller = await startController(cp(), { identity: "usage-controller" });
  });

  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const apply = (name: string, profileSpec: object) =>
    client.apply({ ...PROFILE_RESOURCE, namespace: team, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: team }, spec: profileSpec }, { fieldManager: "usage-test", force: true });
  const profile = () => client.get<KubeObject & { status?: ProfileStatus }>({ ...PROFILE_RESOURCE, namespace: team, name: "web" });

  it("counts templates at replicas 0 of the profile's namespace, and ignores what other namespaces name", async () => {
    const v1 = renderSpec(spec("read"));
    await apply("web", spec("read"));
    await eventually(async () => assert.equal((await profile()).status?.conditions?.find((c) => c.type === "Ready")?.status, "True"));
    await apply("web", spec("read", "write"));
    // Another tenant names 64 made-up hashes and the stable path of team's profile.
    await client.create({ ...DEPLOYMENTS, namespace: evil }, deployment(evil, "fake", Array.from({ length: 64 }, (_, i) => `operator/${team}/web/${hex(i)}.json`)) as KubeObject);
    // The controller manager, when another suite started it, creates it too.
    await client.create({ group: "", version: "v1", plural: "serviceaccounts", namespace: evil }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } }).catch((e: unknown) => assert.ok(isAlreadyExists(e), String(e)));
    await client.create({ ...POD_RESOURCE, namespace: evil }, { apiVersion: "v1", kind: "Pod", metadata: { name: "pending", namespace: evil }, spec: deployment(evil, "x", [`operator/${team}/web.json`]).spec.template.spec } as KubeObject);
    // Team's own template, scaled to zero, still pins v1.
    await client.create({ ...DEPLOYMENTS, namespace: team }, deployment(team, "shop", [`operator/${team}/web/${v1.hash}.json`]) as KubeObject);

    await eventually(async () => assert.deepEqual((await profile()).status?.hashesInUse, [v1.hash]), { timeoutMs: 30_000 });
    // The node keeps v1's file past the grace period (2 s) because the template names it.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.ok(existsSync(pinnedFile(agent, team, "web", v1.hash)));

    await client.delete({ ...PROFILE_RESOURCE, namespace: team, name: "web" });
    const blocked = await eventually(async () => {
      const p = await profile();
      const ready = p.status?.conditions?.find((c) => c.type === "Ready");
      assert.equal(ready?.reason, "DeletionBlocked");
      return ready!.message;
    });
    assert.match(blocked, new RegExp(`Deployment ${team}/shop`));
    assert.doesNotMatch(blocked, new RegExp(evil), "another namespace holds nothing");

    await client.delete({ ...DEPLOYMENTS, namespace: team, name: "shop" });
    await eventually(async () => assert.equal(await client.find({ ...PROFILE_RESOURCE, namespace: team, name: "web" }), undefined), { timeoutMs: 60_000 });
  });

  it("gives a node that joins every hash still in use, not only the current one", async () => {
    const v1 = renderSpec(spec("read", "pread64"));
    const v2 = renderSpec(spec("read", "pread64", "write"));
    const name = "api";
    await client.apply({ ...PROFILE_RESOURCE, namespace: team, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: team }, spec: spec("read", "pread64") }, { fieldManager: "usage-test", force: true });
    const get = () => client.get<KubeObject & { status?: ProfileStatus }>({ ...PROFILE_RESOURCE, namespace: team, name });
    await eventually(async () => assert.equal((await get()).status?.hash, v1.hash));
    await client.create({ ...DEPLOYMENTS, namespace: team }, deployment(team, "old", [`operator/${team}/${name}/${v1.hash}.json`]) as KubeObject);
    await client.apply({ ...PROFILE_RESOURCE, namespace: team, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: team }, spec: spec("read", "pread64", "write") }, { fieldManager: "usage-test", force: true });
    await eventually(async () => {
      const status = (await get()).status;
      assert.equal(status?.hash, v2.hash);
      assert.deepEqual(status?.hashesInUse, [v1.hash]);
    });
    const joined = await startAgent(cp(), { nodeName: "usage-node-joined" });
    try {
      await eventually(() => {
        assert.equal(readIfExists(pinnedFile(joined, team, name, v2.hash)), v2.json, "the current hash");
        assert.equal(readIfExists(pinnedFile(joined, team, name, v1.hash)), v1.json, "the hash the template pins");
      }, { timeoutMs: 30_000 });
    } finally {
      await joined.process.stop();
      await client.delete({ ...NODE_STATUS_RESOURCE, name: "usage-node-joined" }).catch(() => undefined);
    }
  });
});
