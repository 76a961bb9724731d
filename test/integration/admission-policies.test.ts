// The tenants' ValidatingAdmissionPolicies of dist/install.yaml on a real API server: which
// seccomp profile paths a namespace may name, and the opt-in label that warns about, audits or
// refuses containers without a seccomp filter.
//
// The control plane is shared by every suite, so the policies are installed under names of
// this run, and the tenancy binding is limited to this suite's namespaces: the real policy
// must not refuse other suites' pods.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { installFile } from "../../hack/generate-install.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { apiRequest, type RawResponse } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";

const LABEL = "seccomp.operator.dev/require-profile";
const SCOPE = "seccomp.operator.dev/policy-test";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  spec: Record<string, unknown> & { policyName?: string; matchResources?: { namespaceSelector?: { matchLabels?: Record<string, string> } } };
}

type SecurityContext = Record<string, unknown>;
interface ContainerSpec {
  name: string;
  sc?: SecurityContext;
}

const podSpec = (containers: ContainerSpec[], podSc?: SecurityContext) => ({
  ...(podSc ? { securityContext: podSc } : {}),
  containers: containers.map((c) => ({ name: c.name, image: "app:1", ...(c.sc ? { securityContext: c.sc } : {}) })),
});
const localhost = (path: string) => ({ seccompProfile: { type: "Localhost", localhostProfile: path } });
const RUNTIME_DEFAULT = { seccompProfile: { type: "RuntimeDefault" } };

describe("admission policies for tenants", function () {
  this.timeout(120_000);
  const cp = useControlPlane();
  let kc: KubeConfig;
  const run = `${process.pid}`;
  const ns: Record<"a" | "b" | "warn" | "audit" | "deny" | "free", string> = { a: "", b: "", warn: "", audit: "", deny: "", free: "" };
  let installed: Obj[] = [];

  const pathOf = (o: Obj) => `/apis/admissionregistration.k8s.io/v1/${o.kind === "ValidatingAdmissionPolicy" ? "validatingadmissionpolicies" : "validatingadmissionpolicybindings"}/${o.metadata.name}`;
  const create = (namespace: string, kind: "Pod" | "Deployment" | "CronJob", name: string, spec: ReturnType<typeof podSpec>, annotations: Record<string, string> = {}, dryRun = false): Promise<RawResponse> => {
    const metadata = { name, annotations };
    const labels = { app: name };
    const body =
      kind === "Pod"
        ? { apiVersion: "v1", kind, metadata, spec }
        : kind === "Deployment"
          ? { apiVersion: "apps/v1", kind, metadata, spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } }
          : { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "0 3 * * *", suspend: true, jobTemplate: { spec: { template: { spec: { ...spec, restartPolicy: "Never" } } } } } };
    const plural = kind === "Pod" ? "pods" : kind === "Deployment" ? "deployments" : "cronjobs";
    const base = kind === "Pod" ? "/api/v1" : kind === "Deployment" ? "/apis/apps/v1" : "/apis/batch/v1";
    return apiRequest(kc, { method: "POST", path: `${base}/namespaces/${namespace}/${plural}${dryRun ? "?dryRun=All" : ""}`, body });
  };
  const message = (res: RawResponse) => (res.body as { message?: string } | undefined)?.message ?? res.text;
  const allowed = (res: RawResponse, what: string) => assert.equal(res.status, 201, `${what}: ${message(res)}`);
  const denied = (res: RawResponse, what: string, pattern: RegExp) => {
    // The policies refuse with reason Forbidden.
    assert.equal(res.status, 403, `${what}: expected a refusal, got HTTP ${res.status} ${message(res)}`);
    assert.match(message(res), pattern, what);
  };
  const warnings = (res: RawResponse) => {
    const header = res.headers?.warning;
    return (Array.isArray(header) ? header : header === undefined ? [] : [header]).join("\n");
  };

  before(async function () {
    kc = cp().kubeConfig();
    // Pods are admitted once their namespace's default ServiceAccount exists.
    await cp().startControllerManager();
    for (const key of Object.keys(ns) as (keyof typeof ns)[]) ns[key] = await createNamespace(cp(), `policy-${key}`);
    // Labels: the tenancy binding of this run sees only these namespaces; three opt in to the profile requirement.
    for (const [key, name] of Object.entries(ns)) {
      const labels: Record<string, string> = { [SCOPE]: run };
      if (key === "warn" || key === "audit" || key === "deny") labels[LABEL] = key;
      const res = await apiRequest(kc, { method: "PATCH", path: `/api/v1/namespaces/${name}`, contentType: "application/merge-patch+json", body: { metadata: { labels } } });
      assert.equal(res.status, 200, message(res));
    }
    const all = parseAllDocuments(readFileSync(installFile, "utf8")).map((d) => d.toJS() as Obj | null);
    const ours = all.filter((o): o is Obj => o !== null && o.kind.startsWith("ValidatingAdmissionPolicy") && /^seccomp-operator-(profile-tenancy|require-profile)/.test(o.metadata.name));
    assert.equal(ours.length, 6, "two policies, four bindings");
    installed = ours.map((original) => {
      const o = structuredClone(original);
      o.metadata.name += `-${run}`;
      if (o.spec.policyName) o.spec.policyName += `-${run}`;
      if (o.metadata.name.startsWith("seccomp-operator-profile-tenancy") && o.kind === "ValidatingAdmissionPolicyBinding") {
        o.spec.matchResources = { namespaceSelector: { matchLabels: { [SCOPE]: run } } };
      }
      return o;
    });
    for (const o of installed) {
      const res = await apiRequest(kc, { method: "PATCH", path: `${pathOf(o)}?fieldManager=policy-test&fieldValidation=Strict`, contentType: "application/apply-patch+yaml", body: o });
      assert.ok(res.status === 200 || res.status === 201, `${o.kind} ${o.metadata.name}: ${message(res)}`);
    }
    // A policy takes effect once the API server's cache has it: dry runs until both refuse.
    await eventually(async () => {
      denied(await create(ns.a, "Pod", "probe", podSpec([{ name: "app", sc: localhost(`operator/${ns.b}/x.json`) }]), {}, true), "probe tenancy", /belong to the namespace/);
      denied(await create(ns.deny, "Pod", "probe", podSpec([{ name: "app" }]), {}, true), "probe deny", /requires a seccomp profile/);
      assert.match(warnings(await create(ns.warn, "Pod", "probe", podSpec([{ name: "app" }]), {}, true)), /requires a seccomp profile/);
    });
    // The policies type-check against every kind they match.
    for (const o of installed.filter((x) => x.kind === "ValidatingAdmissionPolicy")) {
      const got = await apiRequest(kc, { path: pathOf(o) });
      const status = (got.body as { status?: { typeChecking?: { expressionWarnings?: unknown[] } } }).status;
      assert.deepEqual(status?.typeChecking?.expressionWarnings ?? [], [], `${o.metadata.name} type-checks`);
    }
  });

  after(async () => {
    for (const o of installed.reverse()) await apiRequest(kc, { method: "DELETE", path: pathOf(o) });
  });

  describe("tenancy", () => {
    it("lets a namespace name its own folder, the catalogue's, and paths that are not the operator's", async () => {
      allowed(await create(ns.a, "Pod", "own", podSpec([{ name: "app", sc: localhost(`operator/${ns.a}/web.json`) }, { name: "pinned", sc: localhost(`operator/${ns.a}/web/${"a".repeat(64)}.json`) }])), "own folder");
      allowed(await create(ns.a, "Pod", "catalogue", podSpec([{ name: "app" }], localhost("operator/seccomp-catalogue/base.json"))), "catalogue at pod level");
      allowed(await create(ns.a, "Pod", "elsewhere", podSpec([{ name: "app", sc: localhost("profiles/operator/custom.json") }, { name: "default", sc: RUNTIME_DEFAULT }])), "not under operator/");
    });

    it("refuses another namespace's folder, naming the container, the path and the fix", async () => {
      const res = await create(ns.a, "Pod", "foreign", podSpec([{ name: "fine", sc: localhost(`operator/${ns.a}/web.json`) }, { name: "thief", sc: localhost(`operator/${ns.b}/web.json`) }]));
      denied(res, "foreign container path", new RegExp(`container thief \\(operator/${ns.b}/web\\.json\\)`));
      assert.match(message(res), /annotation seccomp\.operator\.dev\/profile/);
      assert.doesNotMatch(message(res), /container fine/);
      denied(await create(ns.a, "Pod", "foreign-pod", podSpec([{ name: "app" }], localhost(`operator/${ns.b}/web.json`))), "foreign pod-level path", /the pod \(operator\//);
    });

    it("refuses paths that leave the allowed folders or hide the operator's folder", async () => {
      // The API's own validation refuses ".." segments (422) before admission; the policy does not rely on it.
      const traversal = await create(ns.a, "Pod", "sneaky", podSpec([{ name: "app", sc: localhost(`operator/${ns.a}/../${ns.b}/web.json`) }]), {}, true);
      assert.ok(traversal.status === 422 || traversal.status === 403, message(traversal));
      for (const path of [`./operator/${ns.b}/web.json`, `/operator/${ns.b}/web.json`, `operator//${ns.b}/web.json`, `operator/${ns.a}/./x/../../${ns.b}/x.json`, `operator/${ns.a}x/web.json`]) {
        const res = await create(ns.a, "Pod", "sneaky", podSpec([{ name: "app", sc: localhost(path) }]), {}, true);
        if (res.status === 422) assert.match(message(res), /localhostProfile/, path);
        else denied(res, path, /belong to the namespace/);
      }
    });

    it("checks the pod templates of workloads when they are applied", async () => {
      denied(await create(ns.a, "Deployment", "foreign", podSpec([{ name: "app", sc: localhost(`operator/${ns.b}/web.json`) }])), "Deployment", /container app/);
      denied(await create(ns.a, "CronJob", "foreign", podSpec([{ name: "app", sc: localhost(`operator/${ns.b}/web.json`) }])), "CronJob", /container app/);
      allowed(await create(ns.a, "Deployment", "own", podSpec([{ name: "app", sc: localhost(`operator/${ns.a}/web.json`) }])), "Deployment with its own path");
    });
  });

  describe("ephemeral containers (the pods/ephemeralcontainers subresource, as `kubectl debug` adds them)", () => {
    const debugger_ = `debugger-${run}`;
    let debugged = 0;
    const debug = (namespace: string, pod: string, sc: SecurityContext) =>
      apiRequest(kc, {
        method: "PATCH",
        path: `/api/v1/namespaces/${namespace}/pods/${pod}/ephemeralcontainers`,
        contentType: "application/strategic-merge-patch+json",
        headers: { "Impersonate-User": debugger_, "Impersonate-Group": ["system:authenticated"] },
        body: { spec: { ephemeralContainers: [{ name: `debug-${++debugged}`, image: "busybox:1", securityContext: sc }] } },
      });

    before(async () => {
      // A tenant allowed to debug: the role kubectl debug needs, in the two namespaces.
      for (const namespace of [ns.a, ns.deny]) {
        const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "debug" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["update", "patch"] }] };
        const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "debug" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "debug" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: debugger_ }] };
        allowed(await apiRequest(kc, { method: "POST", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, body: role }), "debug role");
        allowed(await apiRequest(kc, { method: "POST", path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, body: binding }), "debug binding");
      }
      allowed(await create(ns.a, "Pod", "debugged", podSpec([{ name: "app", sc: localhost(`operator/${ns.a}/web.json`) }])), "a tenant's pod");
      allowed(await create(ns.deny, "Pod", "debugged", podSpec([{ name: "app", sc: RUNTIME_DEFAULT }])), "a confined pod");
      await eventually(async () => assert.equal((await debug(ns.a, "debugged", RUNTIME_DEFAULT)).status, 200, "the grant is in effect"));
    });

    it("refuses one under another namespace's folder", async () => {
      const res = await debug(ns.a, "debugged", localhost(`operator/${ns.b}/web.json`));
      denied(res, "foreign ephemeral container", new RegExp(`container debug-\\d+ \\(operator/${ns.b}/web\\.json\\)`));
      assert.equal((await debug(ns.a, "debugged", localhost(`operator/${ns.a}/web.json`))).status, 200, "its own folder");
    });

    it("refuses one Unconfined or privileged where the namespace requires a profile", async () => {
      denied(await debug(ns.deny, "debugged", { seccompProfile: { type: "Unconfined" } }), "Unconfined ephemeral container", /seccompProfile Unconfined/);
      denied(await debug(ns.deny, "debugged", { privileged: true, ...RUNTIME_DEFAULT }), "privileged ephemeral container", /privileged, and seccomp does not apply/);
      const fine = await debug(ns.deny, "debugged", RUNTIME_DEFAULT);
      assert.equal(fine.status, 200, message(fine));
    });
  });

  describe("require a seccomp profile, opt-in per namespace", () => {
    it("deny: refuses a container without a profile, Unconfined or privileged, naming each and the fix", async () => {
      const res = await create(ns.deny, "Pod", "bad", podSpec([{ name: "bare" }, { name: "open", sc: { seccompProfile: { type: "Unconfined" } } }, { name: "root", sc: { privileged: true, ...RUNTIME_DEFAULT } }, { name: "ok", sc: RUNTIME_DEFAULT }]));
      denied(res, "three bad containers", /container bare: no seccomp profile \(set securityContext\.seccompProfile/);
      assert.match(message(res), /container open: seccompProfile Unconfined/);
      assert.match(message(res), /container root: privileged/);
      assert.doesNotMatch(message(res), /container ok/);
      const unconfinedPod = await create(ns.deny, "Pod", "unconfined-pod", podSpec([{ name: "app" }], { seccompProfile: { type: "Unconfined" } }));
      denied(unconfinedPod, "Unconfined at pod level", /container app: seccompProfile Unconfined/);
    });

    it("deny: admits a profile at pod or container level, and an annotated workload whose template the operator fills", async () => {
      allowed(await create(ns.deny, "Pod", "pod-level", podSpec([{ name: "app" }], RUNTIME_DEFAULT)), "RuntimeDefault at pod level");
      allowed(await create(ns.deny, "Pod", "container-level", podSpec([{ name: "app", sc: localhost(`operator/${ns.deny}/web.json`) }])), "Localhost at container level");
      allowed(await create(ns.deny, "Pod", "override", podSpec([{ name: "app", sc: RUNTIME_DEFAULT }], { seccompProfile: { type: "Unconfined" } })), "container level wins");
      allowed(await create(ns.deny, "Deployment", "annotated", podSpec([{ name: "app" }]), { "seccomp.operator.dev/profile": "web" }), "annotated Deployment");
      allowed(await create(ns.deny, "Deployment", "one-annotated", podSpec([{ name: "app" }, { name: "side", sc: RUNTIME_DEFAULT }]), { "container.seccomp.operator.dev/app": "web" }), "per-container annotation");
      denied(await create(ns.deny, "Deployment", "plain", podSpec([{ name: "app" }])), "Deployment without annotation", /container app: no seccomp profile/);
      denied(await create(ns.deny, "Pod", "annotated-pod", podSpec([{ name: "app" }]), { "seccomp.operator.dev/profile": "web" }), "a pod is checked as it is", /container app: no seccomp profile/);
    });

    it("warn: admits, with a warning naming the container", async () => {
      const res = await create(ns.warn, "Pod", "bare", podSpec([{ name: "bare" }]));
      allowed(res, "warn");
      assert.match(warnings(res), /container bare: no seccomp profile/);
      assert.equal(warnings(await create(ns.warn, "Pod", "fine", podSpec([{ name: "app" }], RUNTIME_DEFAULT))), "", "no warning for a confined pod");
    });

    it("audit: admits without a warning, and the API server counts the audit", async () => {
      const binding = `seccomp-operator-require-profile-audit-${run}`;
      const audits = async () => {
        const metrics = (await apiRequest(kc, { path: "/metrics", accept: "text/plain" })).text;
        const line = metrics.split("\n").find((l) => l.startsWith("apiserver_validating_admission_policy_check_total{") && l.includes(`policy_binding="${binding}"`) && l.includes('enforcement_action="audit"'));
        return Number(line?.split(" ").pop() ?? 0);
      };
      const before = await audits();
      const res = await create(ns.audit, "Pod", "bare", podSpec([{ name: "bare" }]));
      allowed(res, "audit");
      assert.equal(warnings(res), "");
      assert.equal(await audits(), before + 1);
    });

    it("leaves namespaces without the label alone", async () => {
      const res = await create(ns.free, "Pod", "bare", podSpec([{ name: "bare", sc: { privileged: true } }]));
      allowed(res, "no label");
      assert.equal(warnings(res), "");
    });
  });
});
