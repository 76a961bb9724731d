// dist/install.yaml, the config/ it is rendered from, the samples and the image
// definition: up to date, least privilege, and the operator's own pods hardened
// the way it asks workloads to be.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { run } from "../../src/cli/run.js";
import { WEBHOOK_OPTIONS, webhookSetup } from "../../src/cli/webhook-flags.js";
import { webhookConfiguration } from "../../src/controller/admission/webhook-configuration.js";
import { ENTRYPOINT_FLAGS, NODE_FLAGS } from "../harness/agents.js";
import { crdBasesDir, expectedCrdBases, installFile, renderInstall, repoRoot } from "../../hack/generate-install.js";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; hostPath?: { path: string; type?: string }; [key: string]: unknown }[];
  tolerations?: unknown[];
  priorityClassName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}
interface Workload extends Obj {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: Obj["metadata"]; spec: PodSpec } };
}

const OPERATOR_NAMESPACE = "seccomp-operator-system";
const CATALOGUE_NAMESPACE = "seccomp-catalogue";
const AGENT_USER = `system:serviceaccount:${OPERATOR_NAMESPACE}:seccomp-operator-agent`;
const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";
const samplesDir = join(repoRoot, "config", "samples");
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  version: string;
  devDependencies: Record<string, string>;
};

function parseDocuments(text: string, source: string): Obj[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}#${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as Obj | null;
    return obj ? [obj] : [];
  });
}

const installText = existsSync(installFile) ? readFileSync(installFile, "utf8") : "";
const objects = parseDocuments(installText, "dist/install.yaml");

function find<T extends Obj = Obj>(kind: string, name: string): T {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(obj, `dist/install.yaml has no ${kind} ${name}`);
  return obj as T;
}

function rulesOf(kind: "ClusterRole" | "Role", name: string): Rule[] {
  return (find(kind, name) as Obj & { rules: Rule[] }).rules;
}

/** Rules as "group/resource[/name]: verbs" lines, sorted, for whole-table comparison. */
function grants(rules: Rule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const group of r.apiGroups ?? []) {
      for (const resource of r.resources ?? []) {
        const names = r.resourceNames?.length ? r.resourceNames : [""];
        for (const name of names) {
          out.push(`${group || "core"}/${resource}${name ? `/${name}` : ""}: ${[...r.verbs].sort().join(",")}`);
        }
      }
    }
  }
  return out.sort();
}

const webhookDefaults = Object.fromEntries(Object.entries(WEBHOOK_OPTIONS).flatMap(([k, v]) => ("default" in v ? [[k, v.default]] : []))) as unknown as Parameters<typeof webhookSetup>[0];
const workloads = () => objects.filter((o): o is Workload => o.kind === "Deployment" || o.kind === "DaemonSet");
const allContainers = (w: Workload) => [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers];

describe("dist/install.yaml and config/", function () {
  describe("generation", function () {
    it("config/crd/bases/ is a copy of crds/", function () {
      const expected = expectedCrdBases();
      const actual = new Map(
        readdirSync(crdBasesDir)
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => [f, readFileSync(join(crdBasesDir, f), "utf8")]),
      );
      assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), "run npm run generate:install");
      for (const [name, text] of expected) assert.ok(actual.get(name) === text, `config/crd/bases/${name} is stale: run npm run generate:install`);
    });

    it("dist/install.yaml is what kustomize renders from config/default", function () {
      // The first run may build the pinned kustomize (about a minute).
      this.timeout(15 * 60_000);
      assert.ok(installText, "dist/install.yaml is missing: run npm run generate:install");
      const fresh = renderInstall();
      assert.ok(installText === fresh, "dist/install.yaml is stale: run npm run generate:install");
    });
  });

  describe("contents", function () {
    it("lets the webhook port be called from anywhere and the health and metrics ports only from labelled namespaces", function () {
      type Policy = Obj & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: { ports: { port: string }[]; from?: unknown[] }[] } };
      const policies = objects.filter((o) => o.kind === "NetworkPolicy") as Policy[];
      const scraper = [{ namespaceSelector: { matchLabels: { "seccomp.operator.dev/metrics-scraper": "true" } } }];
      for (const component of ["controller", "agent"]) {
        const policy = policies.find((p) => p.spec.podSelector.matchLabels["app.kubernetes.io/component"] === component)!;
        assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
        const workload = workloads().find((w) => w.metadata.name === `seccomp-operator-${component}`)!;
        assert.deepEqual(Object.fromEntries(Object.entries(workload.spec.template.metadata.labels ?? {}).filter(([k]) => k in policy.spec.podSelector.matchLabels)), policy.spec.podSelector.matchLabels, "selects the pods");
        const rules = Object.fromEntries(policy.spec.ingress.flatMap((r) => r.ports.map((p) => [p.port, r.from])));
        const ports = allContainers(workload).flatMap((c) => (c.ports ?? []).map((p) => p.name));
        assert.deepEqual(Object.keys(rules).sort(), [...ports].sort(), `every port of the ${component} has its rule, by name`);
        assert.deepEqual(rules.health, scraper);
        assert.deepEqual(rules.metrics, scraper);
        if (component === "controller") assert.equal(rules.webhook, undefined, "the API server calls from the host network or outside: no selector");
      }
    });

    it("holds the API, the RBAC, the controller and the agent, in the expected namespaces", function () {
      const ids = objects.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`).sort();
      assert.deepEqual(ids, [
        "ClusterRole seccomp-operator-agent",
        "ClusterRole seccomp-operator-controller",
        "ClusterRole seccomp-operator-metrics-auth",
        "ClusterRole seccomp-operator-metrics-reader",
        "ClusterRole seccomp-operator-profile-editor",
        "ClusterRole seccomp-operator-profile-viewer",
        "ClusterRole seccomp-operator-webhook-configuration",
        "ClusterRoleBinding seccomp-operator-agent",
        "ClusterRoleBinding seccomp-operator-controller",
        "ClusterRoleBinding seccomp-operator-metrics-auth",
        "ClusterRoleBinding seccomp-operator-webhook-configuration",
        "CustomResourceDefinition seccompnodestatuses.seccomp.operator.dev",
        "CustomResourceDefinition seccompprofilerecordings.seccomp.operator.dev",
        "CustomResourceDefinition seccompprofilerevisions.seccomp.operator.dev",
        "CustomResourceDefinition seccompprofiles.seccomp.operator.dev",
        "CustomResourceDefinition seccomprecordingreports.seccomp.operator.dev",
        "DaemonSet seccomp-operator-system/seccomp-operator-agent",
        "Deployment seccomp-operator-system/seccomp-operator-controller",
        "MutatingWebhookConfiguration seccomp-operator",
        "Namespace seccomp-catalogue",
        "Namespace seccomp-operator-system",
        "NetworkPolicy seccomp-operator-system/seccomp-operator-agent",
        "NetworkPolicy seccomp-operator-system/seccomp-operator-controller",
        "PodDisruptionBudget seccomp-operator-system/seccomp-operator-controller",
        "ResourceQuota seccomp-operator-system/seccomp-operator-critical-pods",
        "Role seccomp-operator-system/seccomp-operator-agent-digest-salt",
        "Role seccomp-operator-system/seccomp-operator-digest-salt",
        "Role seccomp-operator-system/seccomp-operator-leader-election",
        "Role seccomp-operator-system/seccomp-operator-webhook-certificates",
        "RoleBinding seccomp-catalogue/seccomp-catalogue-readers",
        "RoleBinding seccomp-operator-system/seccomp-operator-agent-digest-salt",
        "RoleBinding seccomp-operator-system/seccomp-operator-digest-salt",
        "RoleBinding seccomp-operator-system/seccomp-operator-leader-election",
        "RoleBinding seccomp-operator-system/seccomp-operator-webhook-certificates",
        "Secret seccomp-operator-system/seccomp-operator-webhook-tls",
        "Service seccomp-operator-system/seccomp-operator-controller-metrics",
        "Service seccomp-operator-system/seccomp-operator-webhook",
        "ServiceAccount seccomp-operator-system/seccomp-operator-agent",
        "ServiceAccount seccomp-operator-system/seccomp-operator-controller",
        "ValidatingAdmissionPolicy seccomp-operator-agent-own-node-status",
        "ValidatingAdmissionPolicy seccomp-operator-controller-recording-profiles",
        "ValidatingAdmissionPolicy seccomp-operator-controller-workload-fields",
        "ValidatingAdmissionPolicy seccomp-operator-profile-tenancy",
        "ValidatingAdmissionPolicy seccomp-operator-require-profile",
        "ValidatingAdmissionPolicyBinding seccomp-operator-agent-own-node-status",
        "ValidatingAdmissionPolicyBinding seccomp-operator-controller-recording-profiles",
        "ValidatingAdmissionPolicyBinding seccomp-operator-controller-workload-fields",
        "ValidatingAdmissionPolicyBinding seccomp-operator-profile-tenancy",
        "ValidatingAdmissionPolicyBinding seccomp-operator-require-profile-audit",
        "ValidatingAdmissionPolicyBinding seccomp-operator-require-profile-deny",
        "ValidatingAdmissionPolicyBinding seccomp-operator-require-profile-warn",
      ]);
    });

    it("lists Namespaces and CustomResourceDefinitions before what needs them", function () {
      // kustomize puts a namespace's ResourceQuota right after the Namespace; it needs nothing else.
      const base = (kind: unknown) => kind === "Namespace" || kind === "CustomResourceDefinition" || kind === "ResourceQuota";
      const firstOther = objects.findIndex((o) => !base(o.kind));
      const lastBase = objects.findLastIndex((o) => base(o.kind));
      assert.ok(lastBase < firstOther, "Namespaces and CRDs come first");
    });

    it("runs the released image, tagged with the package version", function () {
      for (const w of workloads()) {
        for (const c of allContainers(w)) {
          assert.equal(c.image, `ghcr.io/seccomp-operator/seccomp-operator:${pkg.version}`, `${w.kind} ${w.metadata.name}/${c.name}`);
        }
      }
      const kustomization = readFileSync(join(repoRoot, "config", "default", "kustomization.yaml"), "utf8");
      assert.match(kustomization, new RegExp(`newTag: ${pkg.version.replace(/\./g, "\\.")}\\n`));
    });
  });

  describe("the operator's pods", function () {
    it("every container: no privilege escalation, no capabilities, read-only root, RuntimeDefault seccomp", function () {
      assert.equal(workloads().length, 2);
      for (const w of workloads()) {
        const pod = w.spec.template.spec;
        assert.deepEqual(pod.securityContext?.seccompProfile, { type: "RuntimeDefault" }, `${w.kind}: pod seccompProfile`);
        assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${w.kind}: no host namespaces`);
        for (const c of allContainers(w)) {
          const where = `${w.kind} ${w.metadata.name}, container ${c.name}`;
          const sc = c.securityContext ?? {};
          assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.equal(sc.privileged ?? false, false, `${where}: privileged`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, `${where}: capabilities`);
          assert.deepEqual(sc.seccompProfile, { type: "RuntimeDefault" }, `${where}: seccompProfile`);
        }
      }
    });

    it("the controller: two non-root replicas (65532), leader election, a PodDisruptionBudget", function () {
      const d = find<Workload>("Deployment", "seccomp-operator-controller");
      assert.equal(d.spec.replicas, 2);
      const pod = d.spec.template.spec;
      assert.equal(pod.serviceAccountName, "seccomp-operator-controller");
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 65532);
      assert.deepEqual(pod.volumes ?? [], [], "the controller mounts nothing");
      const [c] = pod.containers;
      assert.equal(pod.containers.length, 1);
      assert.equal(c!.securityContext?.runAsNonRoot, true);
      assert.equal(c!.securityContext?.runAsUser, 65532);
      assert.deepEqual(c!.args, ["controller", "--leader-elect", "--health-addr=:8081", "--metrics-addr=:8443", "--catalogue-namespace=seccomp-catalogue", "--webhook-addr=:9443"]);

      const pdb = find<Obj & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
        "PodDisruptionBudget",
        "seccomp-operator-controller",
      );
      assert.equal(pdb.spec.minAvailable, 1);
      assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
      const svc = find<Obj & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } }>(
        "Service",
        "seccomp-operator-controller-metrics",
      );
      assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
      assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[8443, "metrics"]]);
    });

    it("the controller's webhook: port 9443 behind Service seccomp-operator-webhook:443, as the controller registers it", function () {
      const d = find<Workload>("Deployment", "seccomp-operator-controller");
      assert.deepEqual(d.spec.template.spec.containers[0]!.ports?.find((p) => p.name === "webhook")?.containerPort, 9443);
      const svc = find<Obj & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } }>("Service", "seccomp-operator-webhook");
      assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
      assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[443, "webhook"]]);
      // What the controller applies with its default flags, less the CA bundle it adds.
      const shipped = find("MutatingWebhookConfiguration", "seccomp-operator");
      const setup = webhookSetup({ ...webhookDefaults, "webhook-addr": ":9443" }, OPERATOR_NAMESPACE)!;
      assert.deepEqual(shipped, { ...webhookConfiguration(setup.configuration), metadata: { ...webhookConfiguration(setup.configuration).metadata, labels: shipped.metadata.labels } });
      const secret = find<Obj & { type: string; data?: unknown }>("Secret", "seccomp-operator-webhook-tls");
      assert.deepEqual([secret.type, secret.data], ["Opaque", undefined], "no data: applying the install again keeps the certificates");
    });

    it("the agent: on every node, node-critical, root without capabilities, only the kubelet's seccomp folder", function () {
      const ds = find<Workload>("DaemonSet", "seccomp-operator-agent");
      const pod = ds.spec.template.spec;
      assert.equal(pod.serviceAccountName, "seccomp-operator-agent");
      assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
      assert.equal(pod.priorityClassName, "system-node-critical");
      assert.deepEqual(pod.volumes, [
        { name: "kubelet-seccomp", hostPath: { path: "/var/lib/kubelet/seccomp", type: "DirectoryOrCreate" } },
      ]);
      assert.equal(pod.containers.length, 1);
      const c = pod.containers[0]!;
      assert.deepEqual(c.volumeMounts, [{ name: "kubelet-seccomp", mountPath: "/var/lib/kubelet/seccomp" }]);
      assert.equal(c.securityContext?.runAsUser, 0);
      assert.deepEqual(c.args, ["agent", "--kubelet-dir=/var/lib/kubelet", "--health-addr=:8081", "--metrics-addr=:8443", "--catalogue-namespace=seccomp-catalogue"]);
      assert.deepEqual(c.env?.find((e) => e.name === "NODE_NAME"), {
        name: "NODE_NAME",
        valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } },
      });
      assert.equal(c.command, undefined, "the image's entrypoint, with its V8 flags");
    });

    it("health on /healthz, readiness on /readyz on port 8081, Prometheus metrics over HTTPS on port 8443, authorized", function () {
      for (const w of workloads()) {
        const c = w.spec.template.spec.containers[0]!;
        assert.deepEqual(c.ports?.filter((p) => p.name !== "webhook").map((p) => [p.name, p.containerPort]), [["health", 8081], ["metrics", 8443]]);
        assert.ok(!c.args?.includes("--metrics-auth=none"), `${w.metadata.name}: metrics are not open`);
        assert.deepEqual(c.livenessProbe?.httpGet, { path: "/healthz", port: "health" });
        assert.deepEqual(c.readinessProbe?.httpGet, { path: "/readyz", port: "health" });
        const annotations = w.spec.template.metadata.annotations ?? {};
        assert.equal(annotations["prometheus.io/scrape"], "true");
        assert.equal(annotations["prometheus.io/port"], "8443");
        assert.equal(annotations["prometheus.io/path"], "/metrics");
        assert.equal(annotations["prometheus.io/scheme"], "https");
      }
    });

    it("the operator's namespace admits the agent (privileged Pod Security level)", function () {
      const ns = find("Namespace", OPERATOR_NAMESPACE);
      assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
    });
  });

  describe("RBAC", function () {
    it("the controller's ClusterRole grants exactly what it needs", function () {
      assert.deepEqual(grants(rulesOf("ClusterRole", "seccomp-operator-controller")), [
        "apps/daemonsets: get,list,patch,watch",
        "apps/deployments: get,list,patch,watch",
        "apps/replicasets: get,list,patch,watch",
        "apps/statefulsets: get,list,patch,watch",
        "batch/cronjobs: get,list,patch,watch",
        "batch/jobs: get,list,patch,watch",
        "core/events: create,patch",
        "core/nodes: get,list,watch",
        "core/pods: get,list,watch",
        "events.k8s.io/events: create,patch",
        "seccomp.operator.dev/seccompnodestatuses: delete,get,list,watch",
        "seccomp.operator.dev/seccompprofilerecordings/finalizers: update",
        "seccomp.operator.dev/seccompprofilerecordings/status: get,patch,update",
        "seccomp.operator.dev/seccompprofilerecordings: get,list,patch,watch",
        "seccomp.operator.dev/seccompprofilerevisions: create,delete,get,list,watch",
        "seccomp.operator.dev/seccompprofiles/finalizers: update",
        "seccomp.operator.dev/seccompprofiles/status: get,patch,update",
        "seccomp.operator.dev/seccompprofiles: create,delete,get,list,patch,update,watch",
        "seccomp.operator.dev/seccomprecordingreports: get,list,watch",
      ]);
    });

    it("the controller's leader election: one Lease by name, in its namespace", function () {
      const role = find("Role", "seccomp-operator-leader-election");
      assert.equal(role.metadata.namespace, OPERATOR_NAMESPACE);
      assert.deepEqual(grants(rulesOf("Role", "seccomp-operator-leader-election")), [
        "coordination.k8s.io/leases/seccomp-operator-controller: get,update",
        "coordination.k8s.io/leases: create",
      ]);
    });

    it("the controller's webhook: its certificate Secret and its webhook configuration, by name, get and patch only", function () {
      assert.equal(find("Role", "seccomp-operator-webhook-certificates").metadata.namespace, OPERATOR_NAMESPACE);
      assert.deepEqual(grants(rulesOf("Role", "seccomp-operator-webhook-certificates")), ["core/secrets/seccomp-operator-webhook-tls: get,patch"]);
      assert.deepEqual(grants(rulesOf("ClusterRole", "seccomp-operator-webhook-configuration")), ["admissionregistration.k8s.io/mutatingwebhookconfigurations/seccomp-operator: get,patch"]);
    });

    it("the digest salt: the controller creates Secrets in its namespace and gets the salt's by name; the agent only gets it", function () {
      for (const name of ["seccomp-operator-digest-salt", "seccomp-operator-agent-digest-salt"]) assert.equal(find("Role", name).metadata.namespace, OPERATOR_NAMESPACE);
      assert.deepEqual(grants(rulesOf("Role", "seccomp-operator-digest-salt")), ["core/secrets/seccomp-operator-digest-salt: get", "core/secrets: create"]);
      assert.deepEqual(grants(rulesOf("Role", "seccomp-operator-agent-digest-salt")), ["core/secrets/seccomp-operator-digest-salt: get"]);
    });

    it("the agent's ClusterRole grants exactly what it needs", function () {
      assert.deepEqual(grants(rulesOf("ClusterRole", "seccomp-operator-agent")), [
        "core/pods: get,list,watch",
        "seccomp.operator.dev/seccompnodestatuses: create,get,patch,update",
        "seccomp.operator.dev/seccompprofilerevisions: get",
        "seccomp.operator.dev/seccompprofiles: get,list,watch",
      ]);
    });

    it("the reviews behind /metrics: create TokenReviews and SubjectAccessReviews, for the controller and the agent", function () {
      assert.deepEqual(grants(rulesOf("ClusterRole", "seccomp-operator-metrics-auth")), ["authentication.k8s.io/tokenreviews: create", "authorization.k8s.io/subjectaccessreviews: create"]);
      assert.deepEqual(rulesOf("ClusterRole", "seccomp-operator-metrics-reader"), [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }]);
      const binding = find<Obj & { subjects: { name: string }[] }>("ClusterRoleBinding", "seccomp-operator-metrics-auth");
      assert.deepEqual(binding.subjects.map((s) => s.name), ["seccomp-operator-controller", "seccomp-operator-agent"]);
      assert.ok(!objects.some((o) => o.kind === "ClusterRoleBinding" && (o as Obj & { roleRef: { name: string } }).roleRef.name === "seccomp-operator-metrics-reader"), "the scrapers' role is bound by whoever runs the scraper");
    });

    it("no rule anywhere uses a wildcard or touches Secrets (but the webhook's own and the digest salt, by name, and creating the salt), ConfigMaps or RBAC itself", function () {
      for (const o of objects.filter((x) => x.kind === "ClusterRole" || x.kind === "Role")) {
        for (const r of (o as Obj & { rules: Rule[] }).rules) {
          const where = `${o.kind} ${o.metadata.name}`;
          // Only the scrapers' grant, bound to no account of the operator.
          const metricsReader = o.metadata.name === "seccomp-operator-metrics-reader" && r.nonResourceURLs?.join() === "/metrics" && r.verbs.join() === "get";
          assert.ok(metricsReader || !r.nonResourceURLs, `${where}: no non-resource URLs`);
          for (const field of [r.apiGroups, r.resources, r.verbs]) assert.ok(!field?.includes("*"), `${where}: no wildcard`);
          const ownCertificate = o.metadata.name === "seccomp-operator-webhook-certificates" && r.resources?.join() === "secrets" && r.resourceNames?.join() === "seccomp-operator-webhook-tls";
          const salt = r.resources?.join() === "secrets" && ((r.resourceNames?.join() === "seccomp-operator-digest-salt" && r.verbs.join() === "get") || (o.metadata.name === "seccomp-operator-digest-salt" && r.resourceNames === undefined && r.verbs.join() === "create"));
          for (const res of r.resources ?? []) assert.ok(ownCertificate || salt || !/^(secrets|configmaps)\b/.test(res), `${where}: ${res}`);
          assert.ok(!r.apiGroups?.includes("rbac.authorization.k8s.io"), `${where}: no RBAC`);
          for (const verb of ["escalate", "bind", "impersonate"]) assert.ok(!r.verbs.includes(verb), `${where}: ${verb}`);
        }
      }
    });

    it("each binding gives its role to its own ServiceAccount", function () {
      const expected: [string, string, string][] = [
        ["ClusterRoleBinding", "seccomp-operator-controller", "seccomp-operator-controller"],
        ["ClusterRoleBinding", "seccomp-operator-agent", "seccomp-operator-agent"],
        ["RoleBinding", "seccomp-operator-leader-election", "seccomp-operator-controller"],
        ["RoleBinding", "seccomp-operator-webhook-certificates", "seccomp-operator-controller"],
        ["RoleBinding", "seccomp-operator-digest-salt", "seccomp-operator-controller"],
        ["RoleBinding", "seccomp-operator-agent-digest-salt", "seccomp-operator-agent"],
        ["ClusterRoleBinding", "seccomp-operator-webhook-configuration", "seccomp-operator-controller"],
      ];
      for (const [kind, name, account] of expected) {
        const b = find<Obj & { roleRef: { name: string }; subjects: unknown[] }>(kind, name);
        assert.equal(b.roleRef.name, name);
        assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: account, namespace: OPERATOR_NAMESPACE }]);
      }
    });

    it("the catalogue is readable by every authenticated user, and only readable", function () {
      const b = find<Obj & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string }[] }>(
        "RoleBinding",
        "seccomp-catalogue-readers",
      );
      assert.equal(b.metadata.namespace, CATALOGUE_NAMESPACE);
      assert.deepEqual(b.subjects.map((s) => `${s.kind}:${s.name}`), ["Group:system:authenticated"]);
      assert.deepEqual(grants(rulesOf(b.roleRef.kind as "ClusterRole", b.roleRef.name)), [
        "seccomp.operator.dev/seccompprofiles/status: get,list,watch",
        "seccomp.operator.dev/seccompprofiles: get,list,watch",
      ]);
    });

    it("an admission policy limits the agent to its own node's SeccompNodeStatus", function () {
      type Policy = Obj & {
        spec: {
          failurePolicy: string;
          matchConstraints: { resourceRules: { apiGroups: string[]; operations: string[]; resources: string[] }[] };
          matchConditions: { expression: string }[];
          variables: { name: string; expression: string }[];
          validations: { expression: string; messageExpression: string }[];
        };
      };
      const policy = find<Policy>("ValidatingAdmissionPolicy", "seccomp-operator-agent-own-node-status");
      assert.equal(policy.apiVersion, "admissionregistration.k8s.io/v1");
      assert.equal(policy.spec.failurePolicy, "Fail");
      const [rule] = policy.spec.matchConstraints.resourceRules;
      assert.deepEqual(rule!.apiGroups, ["seccomp.operator.dev"]);
      assert.deepEqual([...rule!.operations].sort(), ["CREATE", "DELETE", "UPDATE"]);
      assert.ok(rule!.resources.includes("seccompnodestatuses"));
      assert.deepEqual(
        policy.spec.matchConditions.map((c) => c.expression.replace(/\s+/g, " ")),
        [`request.userInfo.username == '${AGENT_USER}'`],
      );
      assert.ok(policy.spec.variables.some((v) => v.expression.includes(`'${NODE_NAME_EXTRA}'`)));
      assert.equal(policy.spec.validations.length, 2);

      const binding = find<Obj & { spec: { policyName: string; validationActions: string[] } }>(
        "ValidatingAdmissionPolicyBinding",
        "seccomp-operator-agent-own-node-status",
      );
      assert.equal(binding.spec.policyName, policy.metadata.name);
      assert.deepEqual(binding.spec.validationActions, ["Deny"]);
    });
  });
});

describe("config/samples", function () {
  const files = readdirSync(samplesDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const profiles = files.flatMap((f) => parseDocuments(readFileSync(join(samplesDir, f), "utf8"), f).map((o) => ({ file: f, o })));

  function lint(args: string[]): { code: number; output: string } {
    let output = "";
    const code = run(["lint", "--fail-on", "error", ...args], {
      stdout: (t) => (output += t),
      stderr: (t) => (output += t),
      stdin: () => "",
    });
    return { code, output };
  }

  it("are SeccompProfiles: a Go base, a Go web service, an audit-mode profile, a Node.js service, the operator's own", function () {
    const ids = profiles.map(({ o }) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort();
    assert.deepEqual(ids, [
      "SeccompProfile seccomp-catalogue/go-runtime",
      "SeccompProfile seccomp-catalogue/go-web-service",
      "SeccompProfile seccomp-catalogue/go-web-service-audit",
      "SeccompProfile seccomp-catalogue/nodejs-service",
      "SeccompProfile seccomp-operator-system/seccomp-operator",
    ]);
    const spec = (name: string) => profiles.find(({ o }) => o.metadata.name === name)!.o.spec as Record<string, unknown>;
    assert.equal(spec("go-web-service").baseProfileName, "go-runtime");
    assert.equal(spec("go-web-service-audit").defaultAction, "SCMP_ACT_LOG");
    assert.equal(spec("seccomp-operator").baseProfileName, "nodejs-service");
  });

  it("pass `seccomp-operator lint --fail-on error`, each with its bases", function () {
    const all = lint([samplesDir]);
    assert.equal(all.code, 0, all.output);
    assert.match(all.output, /^5 profiles: 0 errors, 0 warnings/m);
  });
});

describe("Dockerfile", function () {
  const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const lines = dockerfile.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));

  /** The base each stage is built from, with the build arguments given (as `docker build --build-arg`). */
  const bases = (args: Record<string, string> = {}) => {
    const declared = new Map<string, string>();
    const froms: string[] = [];
    for (const line of lines) {
      const arg = /^ARG\s+(\w+)(?:=(\S+))?$/.exec(line);
      if (arg && froms.length === 0) declared.set(arg[1]!, args[arg[1]!] ?? arg[2] ?? "");
      const from = /^FROM\s+(\S+)/i.exec(line);
      if (from) froms.push(from[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => declared.get((a ?? b)!) ?? ""));
    }
    return froms;
  };
  const major = /^(\d+)\./.exec(pkg.devDependencies.node ?? "")?.[1];

  it("builds and runs on the Node.js major that package.json pins", function () {
    assert.ok(major, "package.json pins node");
    assert.deepEqual(bases(), [`node:${major}-bookworm-slim`, `node:${major}-bookworm-slim`], "a build stage and a runtime stage");
  });

  it("lets a published build pin both stages' base by digest with one build argument; the offline build keeps the tag", function () {
    const pinned = `node:${major}-bookworm-slim@sha256:${"0123456789abcdef".repeat(4)}`;
    assert.deepEqual(bases({ NODE_IMAGE: pinned }), [pinned, pinned]);
    // The offline build (buildah, no registry) builds from the local base under the plain tag.
    const build = readFileSync(join(repoRoot, "hack/image/build.sh"), "utf8");
    assert.doesNotMatch(build, /--build-arg/);
    const common = readFileSync(join(repoRoot, "hack/image/common.sh"), "utf8");
    assert.match(common, new RegExp(`^BASE_IMAGE="docker\\.io/library/node:${major}-bookworm-slim"$`, "m"));
  });

  it("runs `node dist/cli/main.js` as user 65532, with production dependencies only", function () {
    const runtime = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
    assert.ok(runtime.includes("USER 65532:65532"));
    assert.equal(runtime.at(-1), `ENTRYPOINT [${["node", ...ENTRYPOINT_FLAGS, "dist/cli/main.js"].map((a) => JSON.stringify(a)).join(", ")}]`);
    assert.ok(lines.some((l) => l.includes("npm prune --omit=dev")));
    assert.ok(!runtime.some((l) => /^COPY\s+(?!--from=build)/.test(l)), "the runtime stage copies only from the build stage");
  });

  it("sets the V8 flags the tests and benches run the daemons with (NODE_OPTIONS and the entrypoint's)", function () {
    assert.ok(lines.includes(`ENV NODE_OPTIONS="${NODE_FLAGS.join(" ")}"`));
  });

  it("sends only the sources to the build (.dockerignore)", function () {
    const ignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"));
    assert.equal(ignore[0], "*");
    assert.deepEqual(ignore.slice(1).sort(), ["!package-lock.json", "!package.json", "!src", "!tsconfig.build.json", "!tsconfig.json"]);
  });
});
