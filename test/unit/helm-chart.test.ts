// charts/seccomp-operator: helm lint passes, its default rendering is dist/install.yaml object for
// object (Helm's own labels aside), its values change what they say, and bad values are refused.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { chartDir, expectedChartCopies, installFile, repoRoot, yamlFiles } from "../../hack/generate-install.js";
import { toolPath } from "../harness/binaries.js";

const run = promisify(execFile);
const OPERATOR_NAMESPACE = "seccomp-operator-system";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** What Helm adds for its own bookkeeping; the install has none of it. */
const HELM_LABELS = ["helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version"];
const HELM_ANNOTATIONS = ["helm.sh/resource-policy"];

function parse(text: string): Obj[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
    const obj = doc.toJS() as Obj | null;
    return obj ? [obj] : [];
  });
}

function withoutHelm(obj: Obj): Obj {
  const strip = (map: Record<string, string> | undefined, keys: string[]) => {
    if (map === undefined) return undefined;
    const rest = Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
    return Object.keys(rest).length > 0 ? rest : undefined;
  };
  const { labels, annotations, ...meta } = obj.metadata;
  const l = strip(labels, HELM_LABELS);
  const a = strip(annotations, HELM_ANNOTATIONS);
  return { ...obj, metadata: { ...meta, ...(l ? { labels: l } : {}), ...(a ? { annotations: a } : {}) } };
}

interface Webhook {
  failurePolicy: string;
  timeoutSeconds: number;
  namespaceSelector: { matchExpressions: { values: string[] }[] };
  clientConfig: { service: { namespace: string; name: string; port: number; path: string } };
}

const id = (o: Obj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
const byId = (objects: Obj[]) => new Map(objects.map((o) => [id(o), o]));

describe("charts/seccomp-operator", function () {
  // The first run may build helm from its pinned module (minutes on two cores).
  this.timeout(20 * 60_000);
  let helm: string;
  before(async () => {
    helm = await toolPath("helm");
  });

  async function template(args: string[] = [], namespace = OPERATOR_NAMESPACE): Promise<Obj[]> {
    const { stdout } = await run(helm, ["template", "seccomp-operator", chartDir, "--namespace", namespace, "--include-crds", ...args], { maxBuffer: 64 * 1024 * 1024 });
    return parse(stdout);
  }
  async function refused(args: string[]): Promise<string> {
    try {
      await run(helm, ["template", "seccomp-operator", chartDir, ...args]);
    } catch (error) {
      return (error as { stderr: string }).stderr;
    }
    assert.fail(`helm template ${args.join(" ")} succeeded`);
  }

  it("passes helm lint, strict", async () => {
    const { stdout } = await run(helm, ["lint", "--strict", chartDir]);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders with default values the same objects as dist/install.yaml", async () => {
    const chart = byId((await template()).map(withoutHelm));
    const install = byId(parse(readFileSync(installFile, "utf8")));
    assert.deepEqual([...chart.keys()].sort(), [...install.keys()].sort());
    for (const [key, obj] of install) assert.deepEqual(chart.get(key), obj, key);
  });

  it("labels every templated object for Helm, keeps the namespaces on uninstall, selects pods without Helm's labels", async () => {
    const objects = await template();
    for (const o of objects.filter((x) => x.kind !== "CustomResourceDefinition")) {
      assert.equal(o.metadata.labels?.["app.kubernetes.io/managed-by"], "Helm", id(o));
      assert.equal(o.metadata.labels?.["app.kubernetes.io/instance"], "seccomp-operator", id(o));
    }
    for (const ns of objects.filter((x) => x.kind === "Namespace")) assert.equal(ns.metadata.annotations?.["helm.sh/resource-policy"], "keep");
  });

  it("has the CRDs in crds/ (installed before the templates, never upgraded or deleted by helm)", () => {
    const files = readdirSync(join(chartDir, "crds")).sort();
    assert.deepEqual(files, [
      "seccompnodestatuses.seccomp.operator.dev.yaml",
      "seccompprofilerecordings.seccomp.operator.dev.yaml",
      "seccompprofilerevisions.seccomp.operator.dev.yaml",
      "seccompprofiles.seccomp.operator.dev.yaml",
      "seccomprecordingreports.seccomp.operator.dev.yaml",
    ]);
    const templates = readdirSync(join(chartDir, "templates")).map((f) => readFileSync(join(chartDir, "templates", f), "utf8"));
    assert.ok(!templates.some((t) => t.includes("kind: CustomResourceDefinition")));
  });

  it("crds/ and files/samples/ are what npm run generate:install copies there", () => {
    for (const [dir, expected] of expectedChartCopies(readFileSync(installFile, "utf8"))) {
      const actual = yamlFiles(dir);
      assert.deepEqual([...actual.keys()], [...expected.keys()], `${dir}: run npm run generate:install`);
      for (const [name, text] of expected) assert.ok(actual.get(name) === text, `${dir}/${name} is stale: run npm run generate:install`);
    }
  });

  it("Chart.yaml follows package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    const chart = parseAllDocuments(readFileSync(join(chartDir, "Chart.yaml"), "utf8"))[0]!.toJS() as { version: string; appVersion: string };
    assert.deepEqual([chart.version, chart.appVersion], [pkg.version, pkg.version]);
  });

  it("another release namespace and catalogue namespace change every place that names them", async () => {
    const objects = byId(await template(["--set", "catalogue.namespace=profiles"], "security"));
    assert.ok(objects.has("Namespace security") && objects.has("Namespace profiles"));
    assert.equal(objects.get("Namespace security")!.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
    assert.ok(objects.has("RoleBinding profiles/seccomp-catalogue-readers"));
    for (const o of objects.values()) assert.ok(!JSON.stringify(o).includes(OPERATOR_NAMESPACE), `${id(o)} still names ${OPERATOR_NAMESPACE}`);
    const policy = objects.get("ValidatingAdmissionPolicy seccomp-operator-agent-own-node-status") as Obj & { spec: { matchConditions: { expression: string }[] } };
    assert.match(policy.spec.matchConditions[0]!.expression, /'system:serviceaccount:security:seccomp-operator-agent'/);
    const binding = objects.get("ClusterRoleBinding seccomp-operator-agent") as Obj & { subjects: { namespace: string }[] };
    assert.equal(binding.subjects[0]!.namespace, "security");
    const args = (kind: string, name: string) => (objects.get(`${kind} security/${name}`) as Obj & { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
    assert.ok(args("Deployment", "seccomp-operator-controller").includes("--catalogue-namespace=profiles"));
    assert.ok(args("DaemonSet", "seccomp-operator-agent").includes("--catalogue-namespace=profiles"));
    const webhooks = (objects.get("MutatingWebhookConfiguration seccomp-operator") as Obj & { webhooks: Webhook[] }).webhooks;
    for (const w of webhooks) {
      assert.deepEqual(w.clientConfig.service, { namespace: "security", name: "seccomp-operator-webhook", port: 443, path: w.clientConfig.service.path });
      assert.deepEqual(w.namespaceSelector.matchExpressions[0]!.values, ["security", "kube-system"]);
    }
    assert.ok(objects.has("Service security/seccomp-operator-webhook") && objects.has("Secret security/seccomp-operator-webhook-tls"));
    // The digest salt Secret the controller creates in the release namespace, where both read it.
    for (const name of ["seccomp-operator-digest-salt", "seccomp-operator-agent-digest-salt"]) assert.ok(objects.has(`Role security/${name}`) && objects.has(`RoleBinding security/${name}`), name);
    const tenancy = JSON.stringify(objects.get("ValidatingAdmissionPolicy seccomp-operator-profile-tenancy"));
    assert.ok(tenancy.includes("operator/profiles/") && !tenancy.includes("seccomp-catalogue"));
  });

  it("webhook.failurePolicy and timeoutSeconds set the webhooks and the controller's flags, which keep them so", async () => {
    const controllerArgs = (objects: Map<string, Obj>) => (objects.get(`Deployment ${OPERATOR_NAMESPACE}/seccomp-operator-controller`) as Obj & { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
    const webhooks = (objects: Map<string, Obj>) => (objects.get("MutatingWebhookConfiguration seccomp-operator") as Obj & { webhooks: Webhook[] }).webhooks;
    const defaults = byId(await template());
    assert.deepEqual(webhooks(defaults).map((w) => [w.failurePolicy, w.timeoutSeconds]), [["Ignore", 3], ["Ignore", 3]]);
    assert.ok(!controllerArgs(defaults).some((a) => a.startsWith("--webhook-failure-policy") || a.startsWith("--webhook-timeout")));
    const fail = byId(await template(["--set", "webhook.failurePolicy=Fail", "--set", "webhook.timeoutSeconds=5"]));
    assert.deepEqual(webhooks(fail).map((w) => [w.failurePolicy, w.timeoutSeconds]), [["Fail", 5], ["Fail", 5]]);
    assert.ok(controllerArgs(fail).includes("--webhook-failure-policy=Fail"));
    assert.ok(controllerArgs(fail).includes("--webhook-timeout=5"));
    assert.ok(!controllerArgs(defaults).some((a) => a.startsWith("--webhook-max-")), "the defaults are the controller's");
    const bounded = controllerArgs(byId(await template(["--set", "webhook.maxConnections=64", "--set", "webhook.maxInFlightMiB=16"])));
    assert.ok(bounded.includes("--webhook-max-connections=64") && bounded.includes("--webhook-max-inflight-mib=16"), bounded.join(" "));
    assert.match(await refused(["--set", "webhook.maxInFlightMiB=6"]), /at '\/webhook\/maxInFlightMiB': minimum: got 6, want 7/);
  });

  it("webhook.enabled=false leaves out the webhook, its RBAC, and the controller's webhook flag and port", async () => {
    const objects = byId(await template(["--set", "webhook.enabled=false"]));
    for (const key of [`Service ${OPERATOR_NAMESPACE}/seccomp-operator-webhook`, `Secret ${OPERATOR_NAMESPACE}/seccomp-operator-webhook-tls`, "MutatingWebhookConfiguration seccomp-operator", `Role ${OPERATOR_NAMESPACE}/seccomp-operator-webhook-certificates`, `RoleBinding ${OPERATOR_NAMESPACE}/seccomp-operator-webhook-certificates`, "ClusterRole seccomp-operator-webhook-configuration", "ClusterRoleBinding seccomp-operator-webhook-configuration"]) {
      assert.ok(!objects.has(key), key);
    }
    const container = (objects.get(`Deployment ${OPERATOR_NAMESPACE}/seccomp-operator-controller`) as Obj & { spec: { template: { spec: { containers: { args: string[]; ports: { name: string }[] }[] } } } }).spec.template.spec.containers[0]!;
    assert.ok(!container.args.some((a) => a.startsWith("--webhook-")));
    assert.deepEqual(container.ports.map((p) => p.name), ["health", "metrics"]);
  });

  it("metrics.auth=none opens /metrics explicitly: the daemons' flag, plain HTTP for Prometheus, no review RBAC", async () => {
    const objects = byId(await template(["--set", "metrics.auth=none"]));
    for (const key of ["ClusterRole seccomp-operator-metrics-auth", "ClusterRoleBinding seccomp-operator-metrics-auth", "ClusterRole seccomp-operator-metrics-reader"]) assert.ok(!objects.has(key), key);
    for (const key of [`Deployment ${OPERATOR_NAMESPACE}/seccomp-operator-controller`, `DaemonSet ${OPERATOR_NAMESPACE}/seccomp-operator-agent`]) {
      const pod = (objects.get(key) as Obj & { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[] }[] } } } }).spec.template;
      assert.ok(pod.spec.containers[0]!.args.includes("--metrics-auth=none"), key);
      assert.equal(pod.metadata.annotations["prometheus.io/scheme"], "http", key);
    }
    await assert.rejects(template(["--set", "metrics.auth=open"]), /metrics\.auth|auth/);
  });

  it("networkPolicy: who may call the webhook and the metrics ports comes from the values; enabled=false leaves both policies out", async () => {
    type Policy = Obj & { spec: { ingress: { ports: { port: string }[]; from?: unknown[] }[] } };
    const rules = (objects: Map<string, Obj>, component: string) => Object.fromEntries((objects.get(`NetworkPolicy ${OPERATOR_NAMESPACE}/seccomp-operator-${component}`) as Policy).spec.ingress.flatMap((r) => r.ports.map((p) => [p.port, r.from])));
    const values = join(mkdtempSync(join(tmpdir(), "chart-values-")), "values.yaml");
    writeFileSync(values, "networkPolicy:\n  webhookFrom: [{ipBlock: {cidr: 10.0.0.0/24}}]\n  metricsFrom: [{namespaceSelector: {matchLabels: {team: obs}}, podSelector: {matchLabels: {app: prometheus}}}]\n");
    const narrowed = byId(await template(["-f", values]));
    assert.deepEqual(rules(narrowed, "controller"), { webhook: [{ ipBlock: { cidr: "10.0.0.0/24" } }], health: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }], metrics: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }] });
    assert.deepEqual(rules(narrowed, "agent"), { health: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }], metrics: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "prometheus" } } }] });
    assert.deepEqual(Object.keys(rules(byId(await template(["--set", "webhook.enabled=false"])), "controller")), ["health", "metrics"], "no webhook port to open");
    const off = byId(await template(["--set", "networkPolicy.enabled=false"]));
    assert.ok(![...off.keys()].some((k) => k.startsWith("NetworkPolicy ")));
    assert.match(await refused(["--set", "networkPolicy.metricsFrom[0].namespace=x"]), /networkPolicy\/metricsFrom\/0': additional properties 'namespace' not allowed/);
  });

  it("each admission policy can be left out, with its bindings", async () => {
    const policyObjects = (objects: Obj[]) => objects.filter((o) => o.kind.startsWith("ValidatingAdmissionPolicy")).map((o) => `${o.kind} ${o.metadata.name}`).sort();
    const tenancy = ["ValidatingAdmissionPolicy seccomp-operator-profile-tenancy", "ValidatingAdmissionPolicyBinding seccomp-operator-profile-tenancy"];
    const requireProfile = ["ValidatingAdmissionPolicy seccomp-operator-require-profile", ...["audit", "deny", "warn"].map((m) => `ValidatingAdmissionPolicyBinding seccomp-operator-require-profile-${m}`)];
    const agent = [
      "ValidatingAdmissionPolicy seccomp-operator-agent-own-node-status",
      "ValidatingAdmissionPolicyBinding seccomp-operator-agent-own-node-status",
      "ValidatingAdmissionPolicy seccomp-operator-controller-recording-profiles",
      "ValidatingAdmissionPolicyBinding seccomp-operator-controller-recording-profiles",
      "ValidatingAdmissionPolicy seccomp-operator-controller-workload-fields",
      "ValidatingAdmissionPolicyBinding seccomp-operator-controller-workload-fields",
    ];
    assert.deepEqual(policyObjects(await template()), [...agent, ...tenancy, ...requireProfile].sort());
    assert.deepEqual(policyObjects(await template(["--set", "policies.tenancy.enabled=false"])), [...agent, ...requireProfile].sort());
    assert.deepEqual(policyObjects(await template(["--set", "policies.requireProfile.enabled=false"])), [...agent, ...tenancy].sort());
  });

  it("image, replicas, resources, the agent's tolerations, node selector and kubelet folder come from the values", async () => {
    type Pod = { containers: { image: string; imagePullPolicy: string; args: string[]; resources: unknown; volumeMounts?: { mountPath: string }[] }[]; tolerations?: unknown; nodeSelector?: unknown; volumes?: { hostPath: { path: string } }[] };
    const objects = byId(
      await template([
        "--set", "image.repository=registry.example/seccomp-operator", "--set", "image.tag=9.9.9", "--set", "image.pullPolicy=Always",
        "--set", "controller.replicas=1", "--set", "controller.resources.limits.memory=1Gi",
        "--set-json", 'agent.tolerations=[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}]',
        "--set", "agent.nodeSelector.kubernetes\\.io/os=linux", "--set", "agent.kubeletDir=/var/lib/k0s/kubelet",
      ]),
    );
    const deployment = objects.get(`Deployment ${OPERATOR_NAMESPACE}/seccomp-operator-controller`) as Obj & { spec: { replicas: number; template: { spec: Pod } } };
    const agent = objects.get(`DaemonSet ${OPERATOR_NAMESPACE}/seccomp-operator-agent`) as Obj & { spec: { template: { spec: Pod } } };
    assert.equal(deployment.spec.replicas, 1);
    assert.ok(!objects.has(`PodDisruptionBudget ${OPERATOR_NAMESPACE}/seccomp-operator-controller`), "no budget that would block every drain");
    for (const pod of [deployment.spec.template.spec, agent.spec.template.spec]) {
      assert.equal(pod.containers[0]!.image, "registry.example/seccomp-operator:9.9.9");
      assert.equal(pod.containers[0]!.imagePullPolicy, "Always");
    }
    assert.deepEqual(deployment.spec.template.spec.containers[0]!.resources, { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } });
    const pod = agent.spec.template.spec;
    assert.deepEqual(pod.tolerations, [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }]);
    assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
    assert.ok(pod.containers[0]!.args.includes("--kubelet-dir=/var/lib/k0s/kubelet"));
    assert.equal(pod.containers[0]!.volumeMounts![0]!.mountPath, "/var/lib/k0s/kubelet/seccomp");
    assert.equal(pod.volumes![0]!.hostPath.path, "/var/lib/k0s/kubelet/seccomp");
  });

  it("namespaces it does not manage are left out; the samples are config/samples/ in this release's namespaces", async () => {
    const without = await template(["--set", "manageNamespace=false", "--set", "catalogue.manageNamespace=false"]);
    assert.deepEqual(without.filter((o) => o.kind === "Namespace"), []);
    const objects = await template(["--set", "catalogue.samples=true", "--set", "catalogue.namespace=profiles"], "security");
    const samples = objects.filter((o) => o.kind === "SeccompProfile").map(withoutHelm);
    const originals = readdirSync(join(repoRoot, "config", "samples")).flatMap((f) => parse(readFileSync(join(repoRoot, "config", "samples", f), "utf8")));
    assert.equal(samples.length, originals.length);
    for (const original of originals) {
      const namespace = original.metadata.namespace === "seccomp-catalogue" ? "profiles" : "security";
      const rendered = samples.find((s) => s.metadata.name === original.metadata.name);
      assert.deepEqual(rendered, { ...original, metadata: { ...original.metadata, namespace, labels: { "app.kubernetes.io/part-of": "seccomp-operator" } } }, original.metadata.name);
    }
  });

  it("refuses bad values, naming the field and the reason", async () => {
    const stderr = await refused(["--set", "controller.replicas=two", "--set", "webhook.failurePolicy=Maybe", "--set", "agent.kubeletDir=relative", "--set", "agnet.x=1"]);
    assert.match(stderr, /at '\/controller\/replicas': got string, want integer/);
    assert.match(stderr, /at '\/webhook\/failurePolicy': value must be one of 'Ignore', 'Fail'/);
    assert.match(stderr, /at '\/agent\/kubeletDir'/);
    assert.match(stderr, /additional properties 'agnet' not allowed/);
    assert.match(await refused(["--set", "policies.enabled=false"]), /at '\/policies': additional properties 'enabled' not allowed/);
  });
});
