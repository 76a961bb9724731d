// `seccomp-operator report` as a process against a real API server, with pods of every case (they
// are never scheduled: the report reads specs), and the controller's seccomp_containers metric
// over the same pods.
import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import { POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { ClusterReport } from "../../src/cli/cluster-report.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { renderSpec } from "../render-spec.js";
import { cliMain, requireBuiltCli, startController, type ControllerProcess } from "../harness/agents.js";
import { commandResult, type CommandResult } from "../harness/command-result.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { scrapeMetrics } from "../harness/metrics.js";
import { createNamespace, ensureDefaultServiceAccount } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const SPEC = { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read"], action: "SCMP_ACT_ALLOW" }] } as const;
const OLD_HASH = "0".repeat(64);
const localhost = (path: string) => ({ allowPrivilegeEscalation: false, seccompProfile: { type: "Localhost", localhostProfile: path } });

function report(args: string[], kubeconfig: string): Promise<CommandResult> {
  return commandResult(process.execPath, [cliMain, "report", ...args], { ...process.env, KUBECONFIG: kubeconfig });
}

describe("seccomp-operator report on a real API server", function () {
  this.timeout(120_000);
  const cp = useControlPlane();
  let client: RestClient;
  let mixed: string;
  let confined: string;
  const hash = renderSpec(SPEC as never).hash;

  async function createPod(namespace: string, name: string, spec: object, metadata: object = {}): Promise<KubeObject> {
    return client.create({ ...POD_RESOURCE, namespace }, { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, ...metadata }, spec } as KubeObject);
  }

  before(async function () {
    this.timeout(120_000);
    requireBuiltCli();
    await cp().startWorkloadComponents();
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    mixed = await createNamespace(cp(), "report-mixed");
    confined = await createNamespace(cp(), "report-confined");
    for (const ns of [mixed, confined]) await ensureDefaultServiceAccount(cp(), ns);

    // A profile whose status carries its hash, as the controller writes it.
    await client.create({ ...PROFILE_RESOURCE, namespace: mixed }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: "web", namespace: mixed }, spec: SPEC });
    await client.mergePatch({ ...PROFILE_RESOURCE, namespace: mixed, name: "web", subresource: "status" }, { status: { hash } });

    // Deployments, whose ReplicaSets and pods the controller manager creates: pod-level
    // RuntimeDefault, an init container overriding it with Unconfined, a sidecar inheriting it, the
    // app pinned at the current hash; and an app still pinned at an old one.
    const deployment = (name: string, spec: object) =>
      client.create<KubeObject>({ group: "apps", version: "v1", plural: "deployments", namespace: mixed }, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
      });
    await deployment("web", {
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [{ name: "setup", image: "x", securityContext: { seccompProfile: { type: "Unconfined" } } }],
      containers: [
        { name: "app", image: "web", securityContext: localhost(`operator/${mixed}/web/${hash}.json`) },
        { name: "sidecar", image: "proxy" },
      ],
    });
    await deployment("legacy", { containers: [{ name: "app", image: "web", securityContext: localhost(`operator/${mixed}/web/${OLD_HASH}.json`) }] });
    await eventually(async () => assert.equal((await client.list({ ...POD_RESOURCE, namespace: mixed }, { labelSelector: "app in (web,legacy)" })).items.length, 2), { timeoutMs: 60_000 });
    // Privileged (its RuntimeDefault does not apply), then an ephemeral debug container with nothing set.
    await createPod(mixed, "debug", { containers: [{ name: "sh", image: "busybox", securityContext: { privileged: true, seccompProfile: { type: "RuntimeDefault" } } }] });
    // A patch, not a replace: the scheduler and kwok may change the pod meanwhile.
    await client.jsonPatch({ ...POD_RESOURCE, namespace: mixed, name: "debug", subresource: "ephemeralcontainers" }, [
      { op: "add", path: "/spec/ephemeralContainers", value: [{ name: "debugger", image: "busybox", targetContainerName: "sh" }] },
    ]);
    // The stable path of the operator's profile, a path of another origin, and a profile that does not exist.
    await createPod(mixed, "paths", {
      containers: [
        { name: "stable", image: "x", securityContext: localhost(`operator/${mixed}/web.json`) },
        { name: "other", image: "x", securityContext: localhost("profiles/audit.json") },
        { name: "missing", image: "x", securityContext: localhost(`operator/${mixed}/gone.json`) },
      ],
    });
    await createPod(mixed, "iis", { os: { name: "windows" }, containers: [{ name: "web", image: "iis" }] });
    await createPod(mixed, "hostprocess", {
      hostNetwork: true,
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } },
      containers: [{ name: "agent", image: "agent" }],
    });

    await createPod(confined, "api", {
      containers: [
        { name: "api", image: "x", securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
        { name: "web", image: "x", securityContext: localhost(`operator/${mixed}/web/${hash}.json`) },
      ],
    });
  });

  it("lists every container with its effective profile, grouped by namespace and workload, as JSON", async () => {
    const { code, stdout, stderr } = await report(["-n", mixed, "-o", "json"], cp().kubeconfigPath);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as ClusterReport & { scope: string };
    assert.equal(result.scope, mixed);
    assert.deepEqual(result.namespaces.map((n) => n.namespace), [mixed]);
    const [ns] = result.namespaces;
    const rows = ns!.workloads.flatMap((w) => w.containers.map((c) => `${w.kind}/${w.name} ${c.name} ${c.kind}: ${c.type} from ${c.source}${c.current === undefined ? "" : c.current ? " current" : " not current"}`));
    assert.deepEqual(rows.sort(), [
      `Deployment/legacy app container: localhost-operator from container not current`,
      `Deployment/web app container: localhost-operator from container current`,
      `Deployment/web setup init: unconfined from container`,
      `Deployment/web sidecar container: runtime-default from pod`,
      `Pod/debug debugger ephemeral: unconfined from default`,
      `Pod/debug sh container: unconfined from privileged`,
      `Pod/paths missing container: localhost-operator from container not current`,
      `Pod/paths other container: localhost-other from container`,
      `Pod/paths stable container: localhost-operator from container current`,
    ]);
    const app = ns!.workloads.find((w) => w.kind === "Deployment" && w.name === "web")!.containers.find((c) => c.name === "app")!;
    assert.deepEqual([app.operatorProfile, app.hash, app.privileged, app.allowPrivilegeEscalation], [{ namespace: mixed, name: "web", hash }, hash, false, false]);
    const ignored = ns!.workloads.flatMap((w) => w.ignored.map((i) => `${i.pod}: ${i.reason}`)).sort();
    assert.deepEqual(ignored, ["hostprocess: Windows HostProcess pod: seccomp does not apply", "iis: Windows pod: seccomp does not apply"]);
    assert.equal(ns!.verdict.level, "unconfined");
    assert.equal(ns!.verdict.text, "3 of 9 containers run unconfined (1 privileged)");
    assert.deepEqual([result.totals.pods, result.totals.containers, result.totals.notCurrent, result.totals.ignoredPods], [6, 9, 2, 2]);
  });

  it("prints a table with a verdict per namespace; --fail-on gates at or below its level", async () => {
    const table = await report(["-A", "--fail-on", "unconfined"], cp().kubeconfigPath);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, new RegExp(`^  verdict ${mixed}: unconfined: 3 of 9 containers run unconfined \\(1 privileged\\)$`, "m"));
    assert.match(table.stdout, new RegExp(`^  verdict ${confined}: runtime-default: every container is confined, 1 of 2 only by RuntimeDefault$`, "m"));
    assert.match(table.stdout, new RegExp(`^  Pod/debug +debug +debugger +ephemeral +default +no +yes +no +Unconfined \\(unset\\)$`, "m"));
    assert.match(table.stdout, /^note: .*Windows, HostProcess or finished pods/m);

    assert.equal((await report(["-n", confined, "--fail-on", "unconfined"], cp().kubeconfigPath)).code, 0);
    assert.equal((await report(["-n", confined, "--fail-on", "runtime-default"], cp().kubeconfigPath)).code, 1);
    assert.equal((await report(["-n", confined], cp().kubeconfigPath)).code, 0);
  });

  it("takes the namespace from the kubeconfig's context, and --context over the current one", async () => {
    const config = parse(readFileSync(cp().kubeconfigPath, "utf8")) as { contexts: { name: string; context: Record<string, string> }[]; clusters: { name: string; cluster: Record<string, string> }[]; "current-context": string };
    const good = config.contexts[0]!;
    const file = join(cp().dir, "report-contexts.kubeconfig");
    writeFileSync(file, stringify({
      ...config,
      clusters: [...config.clusters, { name: "nowhere", cluster: { server: "https://127.0.0.1:1" } }],
      contexts: [{ name: "tenant", context: { ...good.context, namespace: confined } }, { name: "broken", context: { ...good.context, cluster: "nowhere" } }],
      "current-context": "broken",
    }));
    const broken = await report(["-o", "json"], file);
    assert.equal(broken.code, 3);
    assert.match(broken.stderr, /^error: GET \/api\/v1\/namespaces\/default\/pods.*ECONNREFUSED/);
    const tenant = await report(["--context", "tenant", "-o", "json"], file);
    assert.equal(tenant.code, 0, tenant.stderr);
    assert.deepEqual((JSON.parse(tenant.stdout) as ClusterReport).namespaces.map((n) => n.namespace), [confined]);
    const unknown = await report(["--context", "nope"], file);
    assert.deepEqual([unknown.code, unknown.stderr], [3, "error: context nope not found in the kubeconfig\n"]);
  });

  it("authenticates through the kubeconfig's exec plugin, as kubectl does; a failing plugin is named", async () => {
    const config = parse(readFileSync(cp().kubeconfigPath, "utf8")) as { users: { name: string; user: Record<string, unknown> }[] };
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { clientCertificateData: readFileSync(cp().admin.certFile, "utf8"), clientKeyData: readFileSync(cp().admin.keyFile, "utf8"), expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() },
    };
    writeFileSync(join(cp().dir, "exec-credential.json"), JSON.stringify(credential));
    // A relative command with a slash is relative to the kubeconfig's folder.
    const plugin = join(cp().dir, "exec-plugin.sh");
    writeFileSync(plugin, `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/exec-info.json"\n[ "$1" = fail ] && { echo "login expired" >&2; exit 1; }\ncat "$(dirname "$0")/exec-credential.json"\n`);
    chmodSync(plugin, 0o755);
    const write = (name: string, args: string[]) => {
      const file = join(cp().dir, name);
      const exec = { apiVersion: "client.authentication.k8s.io/v1", command: "./exec-plugin.sh", args, provideClusterInfo: true, interactiveMode: "Never" };
      writeFileSync(file, stringify({ ...config, users: config.users.map((u) => ({ name: u.name, user: { exec } })) }));
      return file;
    };
    const ok = await report(["-n", confined, "-o", "json"], write("exec.kubeconfig", []));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as ClusterReport).namespaces.map((n) => n.namespace), [confined]);
    const info = JSON.parse(readFileSync(join(cp().dir, "exec-info.json"), "utf8")) as { kind: string; spec: { interactive: boolean; cluster?: { server: string } } };
    assert.deepEqual([info.kind, info.spec.interactive, info.spec.cluster?.server], ["ExecCredential", false, cp().url]);
    const failed = await report(["-n", confined], write("exec-failing.kubeconfig", ["fail"]));
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /^error: the kubeconfig's exec plugin .*exec-plugin\.sh failed: login expired$/m);
  });

  it("with only pods readable: groups by ReplicaSet and leaves currency unknown, with a note", async () => {
    const user = "report-reader";
    const rbac = { group: "rbac.authorization.k8s.io", version: "v1" };
    await client.create({ ...rbac, plural: "roles", namespace: mixed }, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: user }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }] });
    await client.create({ ...rbac, plural: "rolebindings", namespace: mixed }, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: user },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: user },
      subjects: [{ kind: "User", name: user }],
    });
    const kubeconfig = await cp().userKubeconfig(user);
    const result = await eventually(async () => {
      const r = await report(["-n", mixed, "-o", "json"], kubeconfig);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as ClusterReport;
    });
    const [ns] = result.namespaces;
    const replicaSet = ns!.workloads.find((w) => w.kind === "ReplicaSet" && w.name.startsWith("web-"));
    assert.ok(replicaSet, "grouped by the ReplicaSet");
    assert.match(result.notes.join("\n"), /replicasets cannot be listed/);
    const app = replicaSet.containers.find((c) => c.name === "app")!;
    assert.equal(app.current, undefined);
    assert.match(app.note ?? "", /could not be read/);
    const denied = await report(["-n", confined], kubeconfig);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /^error: .*pods is forbidden/);
  });

  describe("the controller's seccomp_containers metric", () => {
    let controller: ControllerProcess | undefined;
    after(async () => controller?.process.stop());

    it("counts the same containers per namespace and type, and follows pods that come and go", async function () {
      this.timeout(120_000);
      controller = await startController(cp(), { identity: "report-metrics" });
      const metric = async (ns: string) => {
        const text = await scrapeMetrics(cp(), controller!.metricsPort);
        const values: Record<string, number> = {};
        for (const m of text.matchAll(/^seccomp_containers\{namespace="([^"]+)",profile_type="([^"]+)"\} (\d+)$/gm)) if (m[1] === ns) values[m[2]!] = Number(m[3]);
        return values;
      };
      await eventually(async () => assert.deepEqual(await metric(mixed), { unconfined: 3, "runtime-default": 1, "localhost-operator": 4, "localhost-other": 1 }));
      await eventually(async () => assert.deepEqual(await metric(confined), { unconfined: 0, "runtime-default": 1, "localhost-operator": 1, "localhost-other": 0 }));
      await createPod(confined, "new-unconfined", { containers: [{ name: "c", image: "x" }] });
      await eventually(async () => assert.equal((await metric(confined)).unconfined, 1));
      await client.delete({ ...POD_RESOURCE, namespace: confined, name: "new-unconfined" }, { gracePeriodSeconds: 0 });
      await eventually(async () => assert.equal((await metric(confined)).unconfined, 0));
    });

    it("is exported by the leader only, so that a sum over the replicas counts each container once", async function () {
      this.timeout(120_000);
      const args = ["--leader-elect", `--lease-namespace=${confined}`, "--lease-duration=3"];
      const replicas = [await startController(cp(), { identity: "metrics-a", extraArgs: args }), await startController(cp(), { identity: "metrics-b", extraArgs: args })];
      try {
        const exported = async (c: ControllerProcess) => {
          const text = await scrapeMetrics(cp(), c.metricsPort);
          return { leader: /^seccomp_controller_leader 1$/m.test(text), series: /^seccomp_containers\{/m.test(text) };
        };
        await eventually(async () => {
          const states = await Promise.all(replicas.map(exported));
          assert.deepEqual(states.map((s) => s.leader).sort(), [false, true], "one leader");
          for (const s of states) assert.equal(s.series, s.leader);
        }, { timeoutMs: 30_000 });
      } finally {
        await Promise.all(replicas.map((c) => c.process.stop()));
      }
    });
  });
});
