// Every object of dist/install.yaml and config/samples is accepted by a real
// API server (server-side apply, dry run, strict field validation), and the
// operator's pod templates pass pod admission, Pod Security included.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { installFile, repoRoot } from "../../hack/generate-install.js";
import { installCrds } from "../harness/crds.js";
import { createNamespace, deleteNamespace } from "../harness/namespaces.js";
import { APPLY_PATCH, apiRequest, type RawResponse } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  [key: string]: unknown;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { serviceAccountName?: string; [key: string]: unknown };
}

const FIELD_MANAGER = "seccomp-operator-manifests-test";
const OPERATOR_NAMESPACE = "seccomp-operator-system";
const CATALOGUE_NAMESPACE = "seccomp-catalogue";

function readDocuments(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, "utf8")).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}#${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as Obj | null;
    return obj ? [obj] : [];
  });
}

function describeResponse(res: RawResponse): string {
  return `HTTP ${res.status}: ${(res.body as { message?: string } | undefined)?.message ?? res.text}`;
}

/** Resource name and scope of each kind, from the API server's discovery documents. */
class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, { name: string; namespaced: boolean }>>>();
  constructor(private readonly kc: KubeConfig) {}

  async resolve(obj: Obj): Promise<{ name: string; namespaced: boolean; base: string }> {
    const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    let kinds = this.cache.get(base);
    if (!kinds) {
      kinds = apiRequest(this.kc, { path: base }).then((res) => {
        assert.equal(res.status, 200, `discovery ${base}: ${describeResponse(res)}`);
        const list = res.body as { resources: { name: string; kind: string; namespaced: boolean }[] };
        return new Map(list.resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, r]));
      });
      this.cache.set(base, kinds);
    }
    const resource = (await kinds).get(obj.kind);
    assert.ok(resource, `${obj.apiVersion} ${obj.kind} is not served`);
    return { ...resource, base };
  }

  async path(obj: Obj, namespace: string | undefined): Promise<string> {
    const r = await this.resolve(obj);
    if (r.namespaced && !namespace) throw new Error(`${obj.kind} ${obj.metadata.name} has no namespace`);
    return `${r.base}${r.namespaced ? `/namespaces/${namespace}` : ""}/${r.name}`;
  }
}

describe("the install manifests on a real API server", function () {
  const cp = useControlPlane();
  let kc: KubeConfig;
  let discovery: Discovery;
  /** The namespaces of the manifests, mapped to fresh ones of this test run. */
  const namespaces = new Map<string, string>();

  before(async function () {
    this.timeout(120_000);
    kc = cp().kubeConfig();
    discovery = new Discovery(kc);
    // Dry runs create nothing, so the namespaces and CRDs they would create
    // must exist already: the CRDs from crds/, fresh namespaces for the rest.
    await installCrds(kc);
    namespaces.set(OPERATOR_NAMESPACE, await createNamespace(cp(), "manifests-operator"));
    namespaces.set(CATALOGUE_NAMESPACE, await createNamespace(cp(), "manifests-catalogue"));
  });

  after(async function () {
    for (const ns of namespaces.values()) await deleteNamespace(cp(), ns);
  });

  function inTestNamespace(obj: Obj): Obj {
    const ns = obj.metadata.namespace;
    if (ns === undefined) return obj;
    const mapped = namespaces.get(ns);
    assert.ok(mapped, `${obj.kind} ${obj.metadata.name}: unexpected namespace ${ns}`);
    return { ...obj, metadata: { ...obj.metadata, namespace: mapped } };
  }

  async function dryRunApply(obj: Obj): Promise<RawResponse> {
    const target = inTestNamespace(obj);
    const path = await discovery.path(target, target.metadata.namespace);
    // force: the CRDs are also applied, for real, by the harness's own field manager.
    return apiRequest(kc, {
      method: "PATCH",
      path: `${path}/${target.metadata.name}?dryRun=All&fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Strict`,
      contentType: APPLY_PATCH,
      body: target,
    });
  }

  it("accepts every object of dist/install.yaml (dry run, strict field validation)", async function () {
    this.timeout(60_000);
    const objects = readDocuments(installFile);
    assert.ok(objects.length > 0, "dist/install.yaml is empty: run npm run generate:install");
    const refused: string[] = [];
    for (const obj of objects) {
      const res = await dryRunApply(obj);
      if (res.status !== 200 && res.status !== 201) refused.push(`${obj.kind} ${obj.metadata.name}: ${describeResponse(res)}`);
    }
    assert.deepEqual(refused, []);
  });

  it("accepts every sample profile of config/samples (dry run, strict field validation)", async function () {
    this.timeout(60_000);
    const dir = join(repoRoot, "config", "samples");
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    const objects = files.flatMap((f) => readDocuments(join(dir, f)));
    assert.ok(objects.length >= 5);
    const refused: string[] = [];
    for (const obj of objects) {
      const res = await dryRunApply(obj);
      if (res.status !== 200 && res.status !== 201) refused.push(`${obj.kind} ${obj.metadata.name}: ${describeResponse(res)}`);
    }
    assert.deepEqual(refused, []);
  });

  describe("pods of the controller and the agent", function () {
    const templates = () => {
      const objects = readDocuments(installFile);
      const template = (kind: string) => {
        const w = objects.find((o) => o.kind === kind);
        assert.ok(w, `no ${kind} in dist/install.yaml`);
        return (w.spec as { template: PodTemplate }).template;
      };
      const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === OPERATOR_NAMESPACE);
      return { controller: template("Deployment"), agent: template("DaemonSet"), namespaceLabels: ns?.metadata.labels ?? {} };
    };

    /** A namespace with these labels and the operator's ServiceAccounts (pods are admitted only if theirs exists). */
    async function podNamespace(title: string, labels: Record<string, string>): Promise<string> {
      const ns = await createNamespace(cp(), title);
      namespaces.set(`pods-${title}`, ns);
      const patch = await apiRequest(kc, {
        method: "PATCH",
        path: `/api/v1/namespaces/${ns}`,
        contentType: "application/merge-patch+json",
        body: { metadata: { labels } },
      });
      assert.equal(patch.status, 200, describeResponse(patch));
      for (const name of ["seccomp-operator-controller", "seccomp-operator-agent"]) {
        const res = await apiRequest(kc, {
          method: "POST",
          path: `/api/v1/namespaces/${ns}/serviceaccounts`,
          body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } },
        });
        assert.equal(res.status, 201, describeResponse(res));
      }
      return ns;
    }

    function dryRunPod(namespace: string, name: string, template: PodTemplate): Promise<RawResponse> {
      return apiRequest(kc, {
        method: "POST",
        path: `/api/v1/namespaces/${namespace}/pods?dryRun=All&fieldManager=${FIELD_MANAGER}&fieldValidation=Strict`,
        body: { apiVersion: "v1", kind: "Pod", metadata: { ...template.metadata, name }, spec: template.spec },
      });
    }

    it("are admitted in a namespace labelled like the operator's", async function () {
      this.timeout(60_000);
      const { controller, agent, namespaceLabels } = templates();
      const ns = await podNamespace("manifests-pods", namespaceLabels);
      for (const [name, template] of [["controller", controller], ["agent", agent]] as const) {
        const res = await dryRunPod(ns, name, template);
        assert.equal(res.status, 201, `${name}: ${describeResponse(res)}`);
        const pod = res.body as { spec: { priority?: number; priorityClassName?: string } };
        if (name === "agent") assert.equal(pod.spec.priorityClassName, "system-node-critical");
      }
    });

    it("the controller meets the restricted Pod Security Standard; the agent (hostPath, root) does not", async function () {
      this.timeout(60_000);
      const { controller, agent } = templates();
      const ns = await podNamespace("manifests-restricted", { "pod-security.kubernetes.io/enforce": "restricted" });
      const ok = await dryRunPod(ns, "controller", controller);
      assert.equal(ok.status, 201, describeResponse(ok));
      const refused = await dryRunPod(ns, "agent", agent);
      assert.equal(refused.status, 403, describeResponse(refused));
      const message = (refused.body as { message: string }).message;
      assert.match(message, /violates PodSecurity "restricted/);
      assert.match(message, /hostPath/);
      assert.match(message, /runAsNonRoot/);
    });
  });
});
