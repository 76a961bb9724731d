import assert from "node:assert/strict";
import { API_VERSION, FIELD_MANAGER, PROFILE_KIND } from "../../src/api/names.js";
import { PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { computeStatus } from "../../src/controller/profiles/status-computation.js";
import { workloadFindings } from "../../src/controller/workloads/workload-uses.js";
import type { NameUse } from "../../src/controller/workloads/usage-index.js";
import { installCrds } from "../harness/crds.js";
import { createNamespace } from "../harness/namespaces.js";
import { apiGet } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

const long = (prefix: string, length: number) => prefix.padEnd(length, "x");
const hex = (i: number) => i.toString(16).padStart(64, "0");

describe("profile status, worst case", function () {
  this.timeout(120_000);
  const cp = useControlPlane();

  it("fits the schema and the object size limit with every list and text at its worst, counting what was left out", async () => {
    await installCrds(cp().kubeConfig());
    const client = new RestClient(cp().kubeConfig());
    const ns = await createNamespace(cp(), "status worst case");
    await client.create({ ...PROFILE_RESOURCE, namespace: ns }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web", namespace: ns }, spec: { defaultAction: "SCMP_ACT_LOG" } } as KubeObject);

    // 300 workloads of 70 privileged (or escalating) containers with the longest names Kubernetes allows.
    const containers = Array.from({ length: 70 }, (_, i) => long(`c${i}-`, 63));
    const uses: NameUse[] = Array.from({ length: 300 }, (_, i) => {
      const name = long(`w${i}-`, 253);
      return { workload: `Deployment/${ns}/${name}`, kind: "Deployment", namespace: ns, name, profile: "web", containers, privileged: i % 2 === 0 ? containers : [], escalating: i % 2 === 0 ? [] : containers };
    });
    const findings = Array.from({ length: 300 }, (_, i) => ({ rule: "some-rule", severity: "warning" as const, message: long(`m${i}`, 5000), hint: long("h", 2000), path: long("spec.x", 1000) }));
    const nodes = Array.from({ length: 1000 }, (_, i) => long(`node-${i}-`, 253));
    const { status } = computeStatus(
      {
        namespace: ns,
        name: "web",
        generation: 1,
        previous: undefined,
        compiled: { ok: true, hash: hex(1), findings },
        nodes: { installed: 0, total: 1000, failing: nodes.map((node) => ({ node, reason: long("disk full ", 5000) })), waiting: [], unlisted: [], otherSalt: [], stale: nodes },
        usedBy: uses,
        hashesInUse: Array.from({ length: 200 }, (_, i) => hex(i)),
        workloadFindings: workloadFindings(uses),
        failureFindings: findings.map((f) => ({ ...f, rule: "container-start-failed" })),
        deletion: { blockedBy: uses.map((u) => `${u.kind} ${u.namespace}/${u.name}`) },
      },
      new Date(),
    );
    await client.apply(
      { ...PROFILE_RESOURCE, namespace: ns, name: "web", subresource: "status" },
      { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web", namespace: ns }, status },
      { fieldManager: FIELD_MANAGER, force: true },
    );
    const stored = await apiGet(cp().kubeConfig(), `/apis/${API_VERSION}/namespaces/${ns}/seccompprofiles/web`);
    console.error(`      worst-case profile with its status and managedFields: ${stored.text.length} bytes`);
    assert.ok(stored.text.length < 1024 * 1024, `${stored.text.length} bytes`);
    const written = (stored.body as { status: typeof status }).status;
    assert.deepEqual(written.omitted, { findings: 300 + 1 + 300 + 300 - 100, usedBy: 200, failingNodes: 900, staleNodes: 900, hashesInUse: 136 });
    assert.equal(written.usedBy?.[0]?.containersOmitted, 70 - 16);
    assert.ok(written.findings?.every((f) => f.message.length <= 1024));
    assert.match(workloadFindings(uses)[0]!.message, /and 60 more are privileged/, "a workload's finding names ten containers and counts the rest");
  });
});
