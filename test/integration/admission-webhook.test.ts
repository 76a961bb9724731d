// The mutating admission webhook against a real API server, which calls the controller's
// webhook on loopback (registered by URL): Deployments and bare pods get the pinned path in
// the object the create returns, a profile not yet installed everywhere leaves objects as
// they are for the controller to finish, a webhook that is down blocks nothing, and
// certificate rotation drops no request.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { API_VERSION, PROFILE_ANNOTATION, PROFILE_KIND } from "../../src/api/names.js";
import { NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import { MUTATING_WEBHOOK_CONFIGURATIONS } from "../../src/controller/admission/webhook-configuration.js";
import { SECRETS } from "../../src/controller/admission/webhook-certificates.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { createCertificateAuthority, issueServingCertificate } from "../../src/kube/x509-certificates.js";
import { renderSpec } from "../render-spec.js";
import { startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { scrapeMetrics } from "../harness/metrics.js";
import { createNamespace } from "../harness/namespaces.js";
import { freePorts } from "../harness/ports.js";
import { apiRequest } from "../harness/raw-api.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";

const spec = (...names: string[]): ProfileSpec => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", ...names], action: "SCMP_ACT_ALLOW" }],
});
const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };
const REPLICASETS = { group: "apps", version: "v1", plural: "replicasets" };

interface Container {
  name: string;
  image: string;
  securityContext?: { seccompProfile?: { type: string; localhostProfile?: string } };
}
interface PodSpec {
  containers: Container[];
}
interface Deployment extends KubeObject {
  spec: { template: { spec: PodSpec } };
}
interface Pod extends KubeObject {
  spec: PodSpec;
}
interface Profile extends KubeObject {
  status?: ProfileStatus;
}
interface Secret extends KubeObject {
  data?: Record<string, string>;
}

describe("admission webhook", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  let client: RestClient;
  let ns: string;
  let operatorNs: string;
  let agents: AgentProcess[] = [];
  let controller: ControllerProcess | undefined;
  let port: number;
  const nodes = ["admission-node-1", "admission-node-2"];
  const configName = `seccomp-operator-test-${process.pid}`;

  const webhookArgs = (extra: string[] = []) => [
    `--webhook-addr=127.0.0.1:${port}`,
    `--webhook-url=https://127.0.0.1:${port}`,
    `--webhook-config=${configName}`,
    `--operator-namespace=${operatorNs}`,
    "--webhook-check-interval=0.5",
    "--webhook-timeout=2",
    "--agent-timeout=6",
    ...extra,
  ];
  const startWebhookController = async (identity: string, extra: string[] = []) => {
    controller = await startController(cp(), { identity, extraArgs: webhookArgs(extra) });
    await webhookAnswers();
  };

  const applyProfile = (name: string, profileSpec: ProfileSpec) =>
    client.apply({ ...PROFILE_RESOURCE, namespace: ns, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: ns }, spec: profileSpec }, { fieldManager: "test", force: true });
  const profile = (name: string) => client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name });
  const ready = async (name: string) => {
    const p = await profile(name);
    assert.equal(p.status?.conditions?.find((c) => c.type === "Ready")?.status, "True", JSON.stringify(p.status?.conditions));
    return p;
  };
  const pinned = (name: string, profileSpec: ProfileSpec) => ({ type: "Localhost", localhostProfile: `operator/${ns}/${name}/${renderSpec(profileSpec).hash}.json` });

  const deployment = (name: string, profileName: string): Deployment => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, annotations: { [PROFILE_ANNOTATION]: profileName } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { tolerations: [{ operator: "Exists" }], nodeSelector: { type: "kwok" }, containers: [{ name: "app", image: `${name}:1`, securityContext: { allowPrivilegeEscalation: false } } as Container] },
      },
    } as Deployment["spec"],
  });
  const pod = (name: string, profileName: string, namespace = ns): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, annotations: { [PROFILE_ANNOTATION]: profileName } },
    spec: { containers: [{ name: "app", image: "app:1" }] },
  });
  const createDeployment = (d: Deployment) => client.create<Deployment>({ ...DEPLOYMENTS, namespace: ns }, d);
  const createPod = (p: Pod, dryRun = false) => client.create<Pod>({ ...POD_RESOURCE, namespace: p.metadata!.namespace! }, p, dryRun ? { dryRun: true } : {});
  const metrics = () => scrapeMetrics(cp(), controller!.metricsPort);
  const replicaSets = async (app: string) => (await client.list<Deployment>({ ...REPLICASETS, namespace: ns }, { labelSelector: `app=${app}` })).items;

  /** The API server calls the webhook and applies its patch (a dry-run create of a pod naming a ready profile). */
  const webhookAnswers = () =>
    eventually(
      async () => {
        const answer = await createPod(pod("probe", "probe"), true);
        assert.deepEqual(answer.spec.containers[0]?.securityContext?.seccompProfile, pinned("probe", spec("read")));
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

  before(async function () {
    await prepareWorkloadCluster(cp(), nodes);
    client = new RestClient(cp().kubeConfig());
    ns = await createNamespace(cp(), "admission");
    operatorNs = await createNamespace(cp(), "admission-operator");
    port = (await freePorts(1))[0]!;
    // The second node's seccomp folder is a symlink, which its agent never writes through: every
    // profile fails there and stays pending until that agent stops and goes stale. (An agent
    // scoped to another namespace would not do: a node that never installs a namespace's
    // profiles is not counted for them.)
    const blocked = mkdtempSync(join(tmpdir(), "kubelet-blocked-"));
    mkdirSync(join(blocked, "seccomp"));
    symlinkSync(mkdtempSync(join(tmpdir(), "elsewhere-")), join(blocked, "seccomp", "operator"));
    // The agents read the digest salt where these controllers keep it.
    agents = await Promise.all([startAgent(cp(), { nodeName: nodes[0]!, operatorNamespace: operatorNs }), startAgent(cp(), { nodeName: nodes[1]!, kubeletDir: blocked, operatorNamespace: operatorNs })]);
  });

  after(async () => {
    await controller?.process.stop();
    await Promise.all(agents.map((a) => a.process.stop()));
    await client.delete({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: configName }).catch(() => undefined);
    for (const node of nodes) await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  it("admits a Deployment unchanged while its profile is not on every node, and the controller patches it later", async () => {
    controller = await startController(cp(), { identity: "admission-1", extraArgs: webhookArgs() });
    await applyProfile("later", spec("read", "write"));
    await eventually(async () => {
      const p = await profile("later");
      assert.equal(p.status?.nodes?.summary, "1/2", JSON.stringify(p.status?.nodes));
    });
    // The config is registered and served, but no profile is ready yet: a dry run shows the webhook leaves the pod as it is.
    await eventually(async () => {
      const config = await client.get<KubeObject & { webhooks: Array<{ clientConfig: { caBundle?: string; url?: string }; failurePolicy: string }> }>({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: configName });
      assert.ok(config.webhooks.every((w) => (w.clientConfig.caBundle ?? "") !== "" && w.clientConfig.url?.startsWith(`https://127.0.0.1:${port}/`)));
      assert.ok(config.webhooks.every((w) => w.failurePolicy === "Ignore"));
    });

    const pendingReviews = async () => Number(/^seccomp_admission_reviews_total\{kind="Deployment",outcome="pending"\} (\d+)$/m.exec(await metrics())?.[1] ?? 0);
    // The API server may take a moment to see a new configuration: dry runs until the webhook answers.
    await eventually(async () => {
      await client.create({ ...DEPLOYMENTS, namespace: ns }, deployment("later", "later"), { dryRun: true });
      assert.ok((await pendingReviews()) > 0, "the webhook reviewed the dry run");
    });
    const before = await pendingReviews();
    const created = await createDeployment(deployment("later", "later"));
    assert.equal(await pendingReviews(), before + 1, "the webhook reviewed the create and left it as it was");
    assert.equal(created.spec.template.spec.containers[0]?.securityContext?.seccompProfile, undefined);
    // Once the second agent is silent for longer than --agent-timeout, every live node has the profile.
    await agents[1]!.process.stop();
    await eventually(() => ready("later"), { timeoutMs: 30_000 });
    const patched = await eventually(async () => {
      const d = await client.get<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "later" });
      assert.deepEqual(d.spec.template.spec.containers[0]?.securityContext?.seccompProfile, pinned("later", spec("read", "write")));
      return d;
    });
    assert.equal(patched.metadata?.generation, 2, "the controller's patch is the second version of the template");
  });

  it("sets the pinned path in the Deployment the create returns: one ReplicaSet, no second rollout", async () => {
    await applyProfile("probe", spec("read"));
    await applyProfile("web", spec("read", "write", "openat"));
    await eventually(() => ready("web"));
    await webhookAnswers();

    const created = await createDeployment(deployment("web", "web"));
    assert.deepEqual(created.spec.template.spec.containers[0]?.securityContext, { allowPrivilegeEscalation: false, seccompProfile: pinned("web", spec("read", "write", "openat")) });

    // The controller reconciles it too: it takes co-ownership of the same values, which changes no template.
    await eventually(async () => {
      const d = await client.get<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "web" });
      assert.ok(d.metadata?.managedFields?.some((m) => m.manager === "seccomp-operator"), "the controller applied its fields");
      assert.equal(d.metadata?.generation, 1);
    });
    const sets = await eventually(async () => {
      const list = await replicaSets("web");
      assert.equal(list.length, 1);
      return list;
    });
    assert.deepEqual(sets[0]!.spec.template.spec.containers[0]?.securityContext?.seccompProfile, pinned("web", spec("read", "write", "openat")));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal((await replicaSets("web")).length, 1, "no second rollout");

    // Removing the annotation removes the path, although the creator's field manager owns it too.
    const released = await client.mergePatch<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "web" }, { metadata: { annotations: { [PROFILE_ANNOTATION]: null } } });
    assert.deepEqual(released.spec.template.spec.containers[0]?.securityContext, { allowPrivilegeEscalation: false });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const settled = await client.get<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "web" });
    assert.deepEqual(settled.spec.template.spec.containers[0]?.securityContext, { allowPrivilegeEscalation: false }, "and the controller does not put it back");
    // Annotated again: set again by the update itself.
    const again = await client.mergePatch<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "web" }, { metadata: { annotations: { [PROFILE_ANNOTATION]: "web" } } });
    assert.deepEqual(again.spec.template.spec.containers[0]?.securityContext?.seccompProfile, pinned("web", spec("read", "write", "openat")));
  });

  it("sets the pinned path in a bare pod as it is created", async () => {
    const created = await createPod(pod("bare", "web"));
    assert.deepEqual(created.spec.containers[0]?.securityContext?.seccompProfile, pinned("web", spec("read", "write", "openat")));
    // The webhook's warnings reach the client (kubectl prints them).
    const unknown = await apiRequest(cp().kubeConfig(), { method: "POST", path: `/api/v1/namespaces/${ns}/pods`, body: pod("unknown", "no-such-profile") });
    assert.equal(unknown.status, 201, unknown.text);
    assert.equal((unknown.body as Pod).spec.containers[0]?.securityContext, undefined, "a name that resolves to nothing changes nothing");
    assert.match(String(unknown.headers?.warning ?? ""), /seccomp profile of this pod: no SeccompProfile \\?"no-such-profile\\?" in namespace/);
  });

  it("is answered by a replica that does not lead, from the same caches and gate", async () => {
    await controller!.process.stop();
    const [leaderPort] = await freePorts(1);
    const election = [`--leader-elect`, `--lease-namespace=${operatorNs}`, "--lease-duration=4"];
    // Both register the follower's port; only the leader applies the configuration.
    const leader = await startController(cp(), { identity: "admission-leader", extraArgs: [...webhookArgs(election), `--webhook-addr=127.0.0.1:${leaderPort}`] });
    controller = leader;
    await eventually(async () => assert.match(await metrics(), /^seccomp_controller_leader 1$/m));
    const follower = await startController(cp(), { identity: "admission-follower", extraArgs: webhookArgs(election) });
    try {
      const followerMetrics = () => scrapeMetrics(cp(), follower.metricsPort);
      assert.match(await followerMetrics(), /^seccomp_controller_leader 0$/m);
      await webhookAnswers();
      const created = await createPod(pod("from-follower", "web"));
      assert.deepEqual(created.spec.containers[0]?.securityContext?.seccompProfile, pinned("web", spec("read", "write", "openat")));
      assert.match(await followerMetrics(), /^seccomp_admission_reviews_total\{kind="Pod",outcome="mutated"\} [1-9]\d*$/m);
      assert.doesNotMatch(await metrics(), /^seccomp_admission_reviews_total\{kind="Pod"/m, "the leader answered none");
    } finally {
      await follower.process.stop();
    }
  });

  it("admits objects while the webhook is unreachable; the controller patches the workload later and reports the skip", async () => {
    await controller!.process.stop();
    // The stopped agent's report goes too, so that the next controller finds the profile ready at once.
    await client.delete({ ...NODE_STATUS_RESOURCE, name: nodes[1]! });
    // Registered at a port nothing listens on: the API server cannot call the webhook, as behind a broken network path.
    const [nowhere] = await freePorts(1);
    controller = await startController(cp(), { identity: "admission-2", extraArgs: webhookArgs([`--webhook-url=https://127.0.0.1:${nowhere}`]) });
    await eventually(async () => {
      const config = await client.get<KubeObject & { webhooks: Array<{ clientConfig: { url?: string } }> }>({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: configName });
      assert.ok(config.webhooks.every((w) => w.clientConfig.url?.startsWith(`https://127.0.0.1:${nowhere}/`)));
    });
    // The profile has been ready for longer than caches can lag (5 s) by the time the workload is created.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const started = Date.now();
    const created = await createDeployment(deployment("offline", "web"));
    assert.ok(Date.now() - started < 5_000, "failurePolicy Ignore: no wait beyond the timeout");
    assert.equal(created.spec.template.spec.containers[0]?.securityContext?.seccompProfile, undefined);
    await eventually(async () => {
      const d = await client.get<Deployment>({ ...DEPLOYMENTS, namespace: ns, name: "offline" });
      assert.deepEqual(d.spec.template.spec.containers[0]?.securityContext?.seccompProfile, pinned("web", spec("read", "write", "openat")));
    });
    const skip = await eventually(async () => {
      const events = await client.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>({ group: "events.k8s.io", version: "v1", plural: "events", namespace: ns });
      const found = events.items.find((e) => e.reason === "AdmissionSkipped" && e.regarding?.name === "offline");
      assert.ok(found, JSON.stringify(events.items.map((e) => [e.reason, e.regarding?.name])));
      // The Deployment "web", created while the webhook answered, was not reported.
      assert.ok(!events.items.some((e) => e.reason === "AdmissionSkipped" && e.regarding?.name === "web"));
      return found;
    });
    assert.match(await metrics(), /^seccomp_admission_skipped_total\{kind="Deployment"\} 1$/m);
    assert.match(skip.note ?? "", /admission did not set it/);
  });

  it("rotates the serving certificate and the CA without a failed request (failurePolicy Fail)", async function () {
    this.timeout(180_000);
    await controller!.process.stop();
    // A fresh Secret with short lifetimes: certificates every few seconds, a new CA within the run.
    await startWebhookController("admission-rotating", ["--webhook-failure-policy=Fail", "--webhook-secret=rotating", "--webhook-cert-validity=6", "--webhook-ca-validity=24"]);
    const seen = { leaves: new Set<string>(), cas: new Set<string>() };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const secret = await client.find<Secret>({ ...SECRETS, namespace: operatorNs, name: "rotating" });
        if (secret?.data?.["tls.crt"]) seen.leaves.add(secret.data["tls.crt"]);
        if (secret?.data?.["ca.key"]) seen.cas.add(secret.data["ca.key"]);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const failures: string[] = [];
    let answered = 0;
    const until = Date.now() + 30_000;
    for (let i = 0; Date.now() < until; i++) {
      try {
        const created = await createPod(pod(`rotation-${i}`, "web"), true);
        if (created.spec.containers[0]?.securityContext?.seccompProfile?.localhostProfile === undefined) failures.push(`rotation-${i}: not mutated`);
        answered++;
      } catch (error) {
        failures.push(`rotation-${i}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    watching = false;
    await watcher;
    assert.deepEqual(failures, []);
    assert.ok(answered > 50, `${answered} reviews`);
    assert.ok(seen.leaves.size >= 4, `${seen.leaves.size} serving certificates seen`);
    assert.ok(seen.cas.size >= 2, `${seen.cas.size} CAs seen`);
  });

  it("serves a certificate from a directory (a certificate manager's), re-read when it changes", async () => {
    await controller!.process.stop();
    await client.delete({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: configName });
    const dir = mkdtempSync(join(tmpdir(), "webhook-certs-"));
    const ca = createCertificateAuthority("manager-ca", 3_600_000);
    const write = () => {
      const leaf = issueServingCertificate(ca, { dnsNames: [], ipAddresses: ["127.0.0.1"] }, 3_600_000);
      writeFileSync(join(dir, "tls.crt"), leaf.cert);
      writeFileSync(join(dir, "tls.key"), leaf.key);
      return new X509Certificate(leaf.cert).serialNumber;
    };
    const first = write();
    controller = await startController(cp(), { identity: "admission-dir", extraArgs: webhookArgs([`--webhook-cert-dir=${dir}`, `--webhook-config=${configName}-dir`]) });
    try {
      // The controller leaves the CA bundle to the certificate manager's injector, played here.
      const config = await eventually(async () => {
        const c = await client.get<KubeObject & { webhooks: Array<{ clientConfig: { caBundle?: string } }> }>({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: `${configName}-dir` });
        assert.ok(c.webhooks.every((w) => w.clientConfig.caBundle === undefined));
        return c;
      });
      const bundle = Buffer.from(ca.cert).toString("base64");
      await client.jsonPatch({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: `${configName}-dir` }, config.webhooks.map((_, i) => ({ op: "add", path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle })), { fieldManager: "cainjector" });
      const served = () =>
        new Promise<string>((resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port, ca: ca.cert }, () => {
            resolve(socket.getPeerX509Certificate()!.serialNumber);
            socket.end();
          });
          socket.on("error", reject);
        });
      assert.equal(await served(), first);
      await webhookAnswers();
      const second = write();
      await eventually(async () => assert.equal(await served(), second));
      await webhookAnswers();
    } finally {
      await client.delete({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: `${configName}-dir` }).catch(() => undefined);
    }
  });
});
