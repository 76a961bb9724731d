// helm install, upgrade and uninstall of charts/seccomp-operator against a real API server: what
// each leaves behind. The release goes to a namespace of its own and the catalogue to another, so
// the cluster-wide objects are the only ones shared with other suites (none of which creates them).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { chartDir } from "../../hack/generate-install.js";
import type { KubeObject } from "../../src/kube/objects.js";
import type { ResourceRef } from "../../src/kube/resource.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { toolPath } from "../harness/binaries.js";
import { deleteNamespace, namespacePrefix } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const run = promisify(execFile);

/** Where each kind the chart renders is served. */
const RESOURCES: Record<string, Omit<ResourceRef, "name" | "namespace"> & { namespaced: boolean }> = {
  Namespace: { group: "", version: "v1", plural: "namespaces", namespaced: false },
  ServiceAccount: { group: "", version: "v1", plural: "serviceaccounts", namespaced: true },
  Service: { group: "", version: "v1", plural: "services", namespaced: true },
  Secret: { group: "", version: "v1", plural: "secrets", namespaced: true },
  ResourceQuota: { group: "", version: "v1", plural: "resourcequotas", namespaced: true },
  ClusterRole: { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", namespaced: false },
  ClusterRoleBinding: { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", namespaced: false },
  Role: { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", namespaced: true },
  RoleBinding: { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", namespaced: true },
  Deployment: { group: "apps", version: "v1", plural: "deployments", namespaced: true },
  DaemonSet: { group: "apps", version: "v1", plural: "daemonsets", namespaced: true },
  PodDisruptionBudget: { group: "policy", version: "v1", plural: "poddisruptionbudgets", namespaced: true },
  NetworkPolicy: { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", namespaced: true },
  MutatingWebhookConfiguration: { group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations", namespaced: false },
  ValidatingAdmissionPolicy: { group: "admissionregistration.k8s.io", version: "v1", plural: "validatingadmissionpolicies", namespaced: false },
  ValidatingAdmissionPolicyBinding: { group: "admissionregistration.k8s.io", version: "v1", plural: "validatingadmissionpolicybindings", namespaced: false },
  CustomResourceDefinition: { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", namespaced: false },
  SeccompProfile: { group: "seccomp.operator.dev", version: "v1alpha1", plural: "seccompprofiles", namespaced: true },
};

describe("helm install, upgrade and uninstall of the chart", function () {
  this.timeout(10 * 60_000);
  const cp = useControlPlane();
  let helm: string;
  let home: string;
  let client: RestClient;
  const suffix = Math.random().toString(36).slice(2, 7);
  const ns = `${namespacePrefix("helm-release")}${suffix}`;
  const catalogue = `helm-catalogue-${suffix}`;
  const base = ["--namespace", ns, "--set", `catalogue.namespace=${catalogue}`];

  async function helmRun(args: string[]): Promise<string> {
    const env = { ...process.env, KUBECONFIG: cp().kubeconfigPath, HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data") };
    try {
      return (await run(helm, args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (error) {
      const e = error as { stderr: string; message: string };
      throw new Error(`helm ${args.join(" ")}: ${e.stderr || e.message}`);
    }
  }
  /** The objects the chart renders with these values, CRDs included. */
  async function rendered(args: string[]): Promise<KubeObject[]> {
    const text = await helmRun(["template", "seccomp-operator", chartDir, "--include-crds", ...base, ...args]);
    return parseAllDocuments(text).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null);
  }
  function ref(o: KubeObject): ResourceRef {
    const r = RESOURCES[o.kind!];
    assert.ok(r, `the test knows no resource for ${o.kind}`);
    return { group: r.group, version: r.version, plural: r.plural, name: o.metadata!.name!, ...(r.namespaced ? { namespace: o.metadata!.namespace ?? ns } : {}) };
  }
  const id = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
  /** Which of `objects` the API server has, and which not (or only as they are deleted). */
  async function present(objects: KubeObject[]): Promise<{ found: KubeObject[]; missing: string[] }> {
    const found: KubeObject[] = [];
    const missing: string[] = [];
    for (const o of objects) {
      const live = await client.find<KubeObject>(ref(o));
      if (live === undefined || (live.metadata?.deletionTimestamp !== undefined && o.kind !== "Namespace")) missing.push(id(o));
      else found.push(live);
    }
    return { found, missing };
  }

  before(async function () {
    this.timeout(30 * 60_000);
    helm = await toolPath("helm");
    home = mkdtempSync(join(tmpdir(), "helm-home-"));
    client = new RestClient(cp().kubeConfig());
  });
  after(async () => {
    await helmRun(["uninstall", "seccomp-operator", "--namespace", ns]).catch(() => undefined);
    await deleteNamespace(cp(), ns);
    await deleteNamespace(cp(), catalogue);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("install creates every object the chart renders, the CRDs included, the namespace labelled", async () => {
    const out = await helmRun(["install", "seccomp-operator", chartDir, ...base, "--create-namespace", "--take-ownership"]);
    assert.match(out, /STATUS: deployed/);
    const objects = await rendered([]);
    assert.ok(objects.some((o) => o.kind === "CustomResourceDefinition"));
    const { found, missing } = await present(objects);
    assert.deepEqual(missing, []);
    const namespace = found.find((o) => o.kind === "Namespace" && o.metadata?.name === ns)!;
    assert.equal(namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
    const deployment = found.find((o) => o.kind === "Deployment") as KubeObject & { spec: { replicas: number } };
    assert.equal(deployment.spec.replicas, 2);
    const status = JSON.parse(await helmRun(["status", "seccomp-operator", "--namespace", ns, "-o", "json"])) as { info: { status: string }; version: number };
    assert.deepEqual([status.info.status, status.version], ["deployed", 1]);
  });

  it("upgrade to changed values changes, adds and removes what the values say", async () => {
    const changes = ["--set", "controller.replicas=1", "--set", "image.tag=0.1.1", "--set", "agent.nodeSelector.pool=system", "--set", "catalogue.samples=true"];
    const out = await helmRun(["upgrade", "seccomp-operator", chartDir, ...base, ...changes]);
    assert.match(out, /STATUS: deployed/);
    const objects = await rendered(changes);
    const { found, missing } = await present(objects);
    assert.deepEqual(missing, []);
    const deployment = found.find((o) => o.kind === "Deployment") as KubeObject & { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.template.spec.containers[0]!.image, "ghcr.io/seccomp-operator/seccomp-operator:0.1.1");
    const agent = found.find((o) => o.kind === "DaemonSet") as KubeObject & { spec: { template: { spec: { nodeSelector?: Record<string, string> } } } };
    assert.deepEqual(agent.spec.template.spec.nodeSelector, { pool: "system" });
    // The samples, in the catalogue namespace and the release's.
    assert.deepEqual(found.filter((o) => o.kind === "SeccompProfile").map(id).sort(), [
      `SeccompProfile ${catalogue}/go-runtime`,
      `SeccompProfile ${catalogue}/go-web-service`,
      `SeccompProfile ${catalogue}/go-web-service-audit`,
      `SeccompProfile ${catalogue}/nodejs-service`,
      `SeccompProfile ${ns}/seccomp-operator`,
    ]);
    // One replica has no disruption budget: the one of the first release is gone.
    const pdb = await client.find({ ...RESOURCES.PodDisruptionBudget!, namespace: ns, name: "seccomp-operator-controller" });
    assert.equal(pdb, undefined);
  });

  it("uninstall removes every templated object and keeps the CRDs and the namespaces", async () => {
    const objects = await rendered(["--set", "controller.replicas=1", "--set", "catalogue.samples=true"]);
    await helmRun(["uninstall", "seccomp-operator", "--namespace", ns, "--wait"]);
    const kept = objects.filter((o) => o.kind === "CustomResourceDefinition" || o.kind === "Namespace");
    const removed = objects.filter((o) => !kept.includes(o));
    assert.ok(removed.length > 15, `${removed.length} templated objects`);
    const after = await present(removed);
    assert.deepEqual(after.found.map(id), []);
    assert.deepEqual((await present(kept)).missing, []);
    await assert.rejects(helmRun(["status", "seccomp-operator", "--namespace", ns]), (e: Error) => /not found/.test(e.message));
  });
});
