// The workload side of the controller against a real API server: what server-side
// apply with the operator's field manager does to each kind's pod template, and
// that it changes nothing else. The profile readiness is a plain map here: the
// reconciler takes it as a function.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { ApiError } from "../../src/kube/api-error.js";
import { Informer } from "../../src/kube/informer.js";
import { createLogger } from "../../src/kube/logger.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import type { WorkloadEvents, WorkloadRef } from "../../src/controller/workloads/workload-event-reasons.js";
import { applyBodyFor, podSpecOf, WORKLOAD_KINDS, WORKLOADS, type WorkloadKind } from "../../src/controller/workloads/workload-kinds.js";
import type { ProfileReadiness } from "../../src/controller/profiles/readiness-index.js";
import { WorkloadReconciler, type WorkloadOutcome } from "../../src/controller/workloads/workload-reconciler.js";
import { eventually } from "../harness/eventually.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const H1 = "a".repeat(64);
const H2 = "b".repeat(64);
const quiet = createLogger("test", "silent");

interface Container {
  name: string;
  image: string;
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string; localhostProfile?: string } };
}

/** The real client, counting the operator's writes (status updates by other controllers change resourceVersions too). */
class CountingClient extends RestClient {
  applies = 0;
  override apply<T extends KubeObject>(...args: Parameters<RestClient["apply"]>): Promise<T> {
    this.applies++;
    return super.apply<T>(...args);
  }
}

class RecordedEvents implements WorkloadEvents {
  readonly list: Array<{ type: string; name: string; reason: string; message: string }> = [];
  normal(w: WorkloadRef, reason: string, message: string): void {
    this.list.push({ type: "Normal", name: `${w.kind}/${w.name}`, reason, message });
  }
  warn(w: WorkloadRef, reason: string, message: string): void {
    this.list.push({ type: "Warning", name: `${w.kind}/${w.name}`, reason, message });
  }
  reasons(): string[] {
    return this.list.map((e) => `${e.type}/${e.reason}`);
  }
}

const localhost = (namespace: string, name: string, hash: string) => ({ type: "Localhost", localhostProfile: `operator/${namespace}/${name}/${hash}.json` });

function podTemplate(labels: Record<string, string>, containers: Container[], initContainers: Container[] = [], extra: object = {}) {
  return { metadata: { labels }, spec: { ...extra, ...(initContainers.length ? { initContainers } : {}), containers } };
}

/** A minimal valid manifest of each kind around `template`. */
function manifest(kind: WorkloadKind, namespace: string, name: string, annotations: Record<string, string>, template: ReturnType<typeof podTemplate>): KubeObject {
  const { apiVersion } = WORKLOADS[kind];
  const metadata = { name, namespace, annotations };
  const selector = { matchLabels: template.metadata.labels };
  const runToCompletion = { ...template, spec: { ...template.spec, restartPolicy: "Never" } };
  switch (kind) {
    case "Deployment":
    case "DaemonSet":
    case "ReplicaSet":
      return { apiVersion, kind, metadata, spec: { selector, template } };
    case "StatefulSet":
      return { apiVersion, kind, metadata, spec: { selector, serviceName: name, template } };
    case "Job":
      return { apiVersion, kind, metadata, spec: { template: runToCompletion } };
    case "CronJob":
      return { apiVersion, kind, metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: runToCompletion } } } };
  }
}

/** The object minus what the operator owns and the API's bookkeeping, to compare before and after. */
function withoutSeccompProfiles(kind: WorkloadKind, obj: KubeObject): unknown {
  const copy = structuredClone(obj);
  const spec = podSpecOf(kind, copy) as Record<string, Container[] | undefined>;
  for (const list of ["containers", "initContainers"]) {
    for (const c of spec[list] ?? []) {
      delete c.securityContext?.seccompProfile;
      if (c.securityContext && Object.keys(c.securityContext).length === 0) delete c.securityContext;
    }
  }
  // What a user wrote and the template; status and revision counters belong to the API server and the workload's controller.
  const annotations = { ...copy.metadata?.annotations };
  for (const counter of ["deprecated.daemonset.template.generation", "deployment.kubernetes.io/revision"]) delete annotations[counter];
  return { spec: copy.spec, labels: copy.metadata?.labels, annotations, name: copy.metadata?.name };
}

function containersOf(kind: WorkloadKind, obj: KubeObject, list: "containers" | "initContainers" = "containers"): Container[] {
  return ((podSpecOf(kind, obj)?.[list] ?? []) as Container[]).map((c) => c);
}

function profileOf(kind: WorkloadKind, obj: KubeObject, container: string): unknown {
  const all = [...containersOf(kind, obj), ...containersOf(kind, obj, "initContainers")];
  return all.find((c) => c.name === container)?.securityContext?.seccompProfile;
}

describe("workload patching", function () {
  this.timeout(60_000);
  const cp = useControlPlane();
  const ns = useNamespace(cp);
  let client: CountingClient;
  const informers = new Map<WorkloadKind, Informer<KubeObject>>();
  /** `namespace/name` -> readiness, as the controller's lookup would answer. */
  const profiles = new Map<string, ProfileReadiness>();
  let events: RecordedEvents;
  let reconciler: WorkloadReconciler;

  before(async () => {
    client = new CountingClient(cp().kubeConfig());
    for (const kind of WORKLOAD_KINDS) {
      const informer = new Informer<KubeObject>(client, { resource: WORKLOADS[kind].resource, logger: quiet });
      informer.start();
      informers.set(kind, informer);
    }
    for (const informer of informers.values()) assert.ok(await informer.waitForSync(20_000), "informer synced");
  });

  after(async () => {
    await Promise.all([...informers.values()].map((i) => i.stop()));
  });

  beforeEach(() => {
    profiles.clear();
    events = new RecordedEvents();
    reconciler = new WorkloadReconciler({
      client,
      caches: Object.fromEntries(informers),
      readiness: (namespace, name) => profiles.get(`${namespace}/${name}`) ?? profiles.get(`seccomp-catalogue/${name}`) ?? { state: "missing" },
      events,
      logger: quiet,
    });
  });

  const ready = (name: string, hash: string, namespace = ns()) => profiles.set(`${ns()}/${name}`, { state: "ready", key: `${namespace}/${name}`, hash });
  const get = (kind: WorkloadKind, name: string) => client.get<KubeObject>({ ...WORKLOADS[kind].resource, namespace: ns(), name });
  const create = (kind: WorkloadKind, name: string, annotations: Record<string, string>, template: ReturnType<typeof podTemplate>) =>
    client.create<KubeObject>({ ...WORKLOADS[kind].resource, namespace: ns() }, manifest(kind, ns(), name, annotations, template), { fieldManager: "kubectl" });

  /** Reconciles once the informer has the object as the API has it now, as after a watch event. */
  async function reconcile(kind: WorkloadKind, name: string): Promise<WorkloadOutcome> {
    await eventually(
      async () => {
        const now = await get(kind, name);
        assert.equal(informers.get(kind)!.get(`${ns()}/${name}`)?.metadata?.resourceVersion, now.metadata?.resourceVersion);
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    return reconciler.reconcileWorkload(kind, ns(), name);
  }

  const web = (): Container[] => [
    { name: "web", image: "registry.example/web:1.0", securityContext: { allowPrivilegeEscalation: false, runAsUser: 1000 } },
    { name: "proxy", image: "registry.example/proxy:2.0", securityContext: { allowPrivilegeEscalation: false } },
  ];
  const init = (): Container[] => [{ name: "setup", image: "registry.example/setup:1.0", securityContext: { allowPrivilegeEscalation: false } }];

  it("a Deployment's containers and init containers get the pinned Localhost path, and nothing else changes", async () => {
    ready("web", H1);
    const before = await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web(), init(), { terminationGracePeriodSeconds: 5 }));
    assert.equal((await reconcile("Deployment", "web")).result, "applied");

    const after = await get("Deployment", "web");
    for (const c of ["web", "proxy", "setup"]) assert.deepEqual(profileOf("Deployment", after, c), localhost(ns(), "web", H1), c);
    assert.deepEqual(withoutSeccompProfiles("Deployment", after), withoutSeccompProfiles("Deployment", before));
    assert.equal(containersOf("Deployment", after)[0]!.securityContext?.runAsUser, 1000, "the rest of a securityContext stays");
    assert.equal(after.metadata?.generation, 2, "the template changed: a rollout");
    assert.deepEqual(events.reasons(), ["Normal/ProfileApplied"]);

    // Again, as on a resync: no write at all, no Event.
    const writes = client.applies;
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
    assert.equal(client.applies, writes);
    assert.equal((await get("Deployment", "web")).metadata?.generation, 2);
    assert.deepEqual(events.reasons(), ["Normal/ProfileApplied"]);
  });

  it("a profile that resolved in the catalogue is pinned under the catalogue's namespace", async () => {
    profiles.set(`seccomp-catalogue/go-runtime`, { state: "ready", key: "seccomp-catalogue/go-runtime", hash: H1 });
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "go-runtime" }, podTemplate({ app: "web" }, web()));
    await reconcile("Deployment", "web");
    assert.deepEqual(profileOf("Deployment", await get("Deployment", "web"), "web"), localhost("seccomp-catalogue", "go-runtime", H1));
  });

  it("a container annotation overrides the profile annotation for its container", async () => {
    ready("web", H1);
    ready("envoy", H2);
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/proxy": "envoy" }, podTemplate({ app: "web" }, web(), init()));
    await reconcile("Deployment", "web");
    const after = await get("Deployment", "web");
    assert.deepEqual(profileOf("Deployment", after, "web"), localhost(ns(), "web", H1));
    assert.deepEqual(profileOf("Deployment", after, "setup"), localhost(ns(), "web", H1));
    assert.deepEqual(profileOf("Deployment", after, "proxy"), localhost(ns(), "envoy", H2));
  });

  it("while a new hash is pending the template keeps the old path; once ready, the new path rolls out", async () => {
    ready("web", H1);
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    await reconcile("Deployment", "web");
    const first = await get("Deployment", "web");

    profiles.set(`${ns()}/web`, { state: "pending", key: `${ns()}/web`, reason: "hash bbbb installed on 1 of 2 nodes" });
    const writes = client.applies;
    const outcome = await reconcile("Deployment", "web");
    assert.equal(outcome.result, "unchanged");
    const during = await get("Deployment", "web");
    assert.equal(client.applies, writes, "not written");
    assert.equal(during.metadata?.generation, first.metadata?.generation);
    assert.deepEqual(profileOf("Deployment", during, "web"), localhost(ns(), "web", H1));
    assert.deepEqual(events.reasons().slice(-1), ["Normal/ProfilePending"]);
    assert.match(events.list.at(-1)!.message, /every node/);

    // A user's change meanwhile, by another manager: the kept path survives it and nothing is written.
    await client.mergePatch({ ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" }, { metadata: { labels: { touched: "yes" } } }, { fieldManager: "kubectl" });
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
    assert.deepEqual(profileOf("Deployment", await get("Deployment", "web"), "web"), localhost(ns(), "web", H1));

    ready("web", H2);
    assert.equal((await reconcile("Deployment", "web")).result, "applied");
    const after = await get("Deployment", "web");
    for (const c of ["web", "proxy"]) assert.deepEqual(profileOf("Deployment", after, c), localhost(ns(), "web", H2), c);
    assert.equal(after.metadata?.generation, (first.metadata?.generation ?? 0) + 1, "a new template generation: the Deployment rolls out");
  });

  it("removing the annotations removes exactly the operator's fields, and keeps what another manager set", async () => {
    ready("web", H1);
    const containers = web();
    containers[1]!.securityContext = { ...containers[1]!.securityContext, seccompProfile: { type: "RuntimeDefault" } };
    const before = await create("Deployment", "web", { "container.seccomp.operator.dev/web": "web" }, podTemplate({ app: "web" }, containers));
    await reconcile("Deployment", "web");
    const patched = await get("Deployment", "web");
    assert.deepEqual(profileOf("Deployment", patched, "web"), localhost(ns(), "web", H1));

    // `kubectl annotate web container.seccomp.operator.dev/web-`
    await client.mergePatch({ ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" }, { metadata: { annotations: { "container.seccomp.operator.dev/web": null } } }, { fieldManager: "kubectl" });
    assert.equal((await reconcile("Deployment", "web")).result, "applied");
    assert.deepEqual(events.reasons(), ["Normal/ProfileApplied", "Normal/ProfileRemoved"]);

    const after = await get("Deployment", "web");
    assert.equal(profileOf("Deployment", after, "web"), undefined);
    assert.deepEqual(profileOf("Deployment", after, "proxy"), { type: "RuntimeDefault" }, "another manager's field stays");
    assert.deepEqual(containersOf("Deployment", after)[0]!.securityContext, { allowPrivilegeEscalation: false, runAsUser: 1000 });
    // The template is back to what the user wrote, and the operator owns nothing any more.
    assert.deepEqual(podSpecOf("Deployment", after), podSpecOf("Deployment", before));
    assert.ok(!(after.metadata?.managedFields ?? []).some((m) => m.manager === "seccomp-operator"), JSON.stringify(after.metadata?.managedFields));
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
  });

  it("a seccompProfile another manager also set stays when the operator lets go of it", async () => {
    ready("web", H1);
    const containers = web();
    containers[0]!.securityContext = { ...containers[0]!.securityContext, seccompProfile: localhost(ns(), "web", H1) };
    await create("Deployment", "web", { "container.seccomp.operator.dev/web": "web" }, podTemplate({ app: "web" }, containers));
    assert.equal((await reconcile("Deployment", "web")).result, "applied", "takes co-ownership of the same value");
    assert.deepEqual(events.reasons(), [], "nothing changed in the template");
    await client.mergePatch({ ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" }, { metadata: { annotations: null } }, { fieldManager: "kubectl" });
    await reconcile("Deployment", "web");
    assert.deepEqual(profileOf("Deployment", await get("Deployment", "web"), "web"), localhost(ns(), "web", H1));
  });

  it("does not fight other managers over other fields", async () => {
    ready("web", H1);
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    await reconcile("Deployment", "web");

    // A CI pipeline's server-side apply of a new image, with its own manager.
    await client.apply(
      { ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns() }, spec: { template: { spec: { containers: [{ name: "web", image: "registry.example/web:2.0" }] } } } },
      // `kubectl apply --server-side --force-conflicts`: the image was kubectl's.
      { fieldManager: "ci", force: true },
    );
    const writes = client.applies;
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
    const after = await get("Deployment", "web");
    assert.equal(client.applies, writes, "no write");
    assert.equal(containersOf("Deployment", after)[0]!.image, "registry.example/web:2.0");
    assert.deepEqual(profileOf("Deployment", after, "web"), localhost(ns(), "web", H1));

    // A replace that drops the operator's field (an old-style full update) gets it back, and only it.
    const dropped = structuredClone(after);
    delete containersOf("Deployment", dropped)[0]!.securityContext!.seccompProfile;
    containersOf("Deployment", dropped)[1]!.image = "registry.example/proxy:3.0";
    await client.replace({ ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" }, dropped, { fieldManager: "kubectl" });
    assert.equal((await reconcile("Deployment", "web")).result, "applied");
    const restored = await get("Deployment", "web");
    assert.deepEqual(profileOf("Deployment", restored, "web"), localhost(ns(), "web", H1));
    assert.equal(containersOf("Deployment", restored)[1]!.image, "registry.example/proxy:3.0");
  });

  it("invalid, missing and unknown-container references warn and leave the template as it is", async () => {
    ready("web", H1);
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    await reconcile("Deployment", "web");
    const patched = await get("Deployment", "web");

    profiles.set(`${ns()}/web`, { state: "invalid", key: `${ns()}/web`, reason: "SCP001: exit_group is not allowed" });
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
    profiles.delete(`${ns()}/web`);
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");
    await client.mergePatch(
      { ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" },
      { metadata: { annotations: { "container.seccomp.operator.dev/nginx": "web", "seccomp.operator.dev/profile": "Not_A_Name" } } },
      { fieldManager: "kubectl" },
    );
    assert.equal((await reconcile("Deployment", "web")).result, "unchanged");

    const after = await get("Deployment", "web");
    assert.deepEqual(podSpecOf("Deployment", after), podSpecOf("Deployment", patched));
    assert.deepEqual(events.reasons(), ["Normal/ProfileApplied", "Warning/ProfileInvalid", "Warning/ProfileNotFound", "Warning/UnknownContainer", "Warning/InvalidProfileName"]);
  });

  it("warns about privileged containers and privilege escalation, and still applies", async () => {
    ready("web", H1);
    await create(
      "Deployment",
      "web",
      { "seccomp.operator.dev/profile": "web" },
      podTemplate({ app: "web" }, [
        { name: "web", image: "x" },
        { name: "debug", image: "y", securityContext: { privileged: true } },
      ]),
    );
    assert.equal((await reconcile("Deployment", "web")).result, "applied");
    assert.deepEqual(events.reasons(), ["Normal/ProfileApplied", "Warning/PrivilegedContainer", "Warning/PrivilegeEscalationAllowed"]);
    assert.deepEqual(profileOf("Deployment", await get("Deployment", "web"), "debug"), localhost(ns(), "web", H1));
  });

  it("patches StatefulSets, DaemonSets, standalone ReplicaSets and CronJobs' job templates", async () => {
    ready("web", H1);
    for (const kind of ["StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"] as const) {
      const before = await create(kind, "w", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "w" }, web(), init()));
      assert.equal((await reconcile(kind, "w")).result, "applied", kind);
      const after = await get(kind, "w");
      for (const c of ["web", "proxy", "setup"]) assert.deepEqual(profileOf(kind, after, c), localhost(ns(), "web", H1), `${kind} ${c}`);
      assert.deepEqual(withoutSeccompProfiles(kind, after), withoutSeccompProfiles(kind, before), kind);
      assert.equal((await reconcile(kind, "w")).result, "unchanged", kind);

      await client.mergePatch({ ...WORKLOADS[kind].resource, namespace: ns(), name: "w" }, { metadata: { annotations: null } }, { fieldManager: "kubectl" });
      assert.equal((await reconcile(kind, "w")).result, "applied", kind);
      assert.deepEqual(podSpecOf(kind, await get(kind, "w")), podSpecOf(kind, before), `${kind}: back to the user's template`);
    }
  });

  it("cannot patch a Job: the API refuses any change to its template, so the controller warns unless the Job already has the fields", async () => {
    ready("web", H1);
    await create("Job", "plain", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "plain" }, web()));
    const body = applyBodyFor("Job", { namespace: ns(), name: "plain" }, { containers: [{ name: "web", securityContext: { seccompProfile: localhost(ns(), "web", H1) } }] });
    await assert.rejects(client.apply(WORKLOADS.Job.resource, body, { fieldManager: "seccomp-operator", force: true }), (err: unknown) => {
      assert.ok(err instanceof ApiError && err.code === 422 && /immutable/.test(err.message), String(err));
      return true;
    });

    const writes = client.applies;
    assert.equal((await reconcile("Job", "plain")).result, "unchanged");
    assert.equal(client.applies, writes, "no write");
    assert.deepEqual(events.reasons(), ["Warning/JobTemplateImmutable"]);

    // Created with the fields (by hand, or from a patched CronJob's template): nothing to say.
    const withFields = web().map((c) => ({ ...c, securityContext: { ...c.securityContext, seccompProfile: localhost(ns(), "web", H1) } }));
    await create("Job", "pinned", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "pinned" }, withFields));
    assert.equal((await reconcile("Job", "pinned")).result, "unchanged");
    assert.deepEqual(events.reasons(), ["Warning/JobTemplateImmutable"]);
  });

  it("leaves a Deployment's ReplicaSets and a CronJob's Jobs to their owners, and skips what is gone", async () => {
    ready("web", H1);
    const owner = await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    const rs = manifest("ReplicaSet", ns(), "web-abc", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    // Labelled as the Deployment's selector wants, or its controller would release it.
    rs.metadata!.labels = { app: "web" };
    rs.metadata!.ownerReferences = [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: owner.metadata!.uid!, controller: true }];
    await client.create({ ...WORKLOADS.ReplicaSet.resource, namespace: ns() }, rs);
    const outcome = await reconcile("ReplicaSet", "web-abc");
    assert.deepEqual(outcome, { result: "skipped", reason: "controlled by Deployment web" });
    assert.equal(profileOf("ReplicaSet", await get("ReplicaSet", "web-abc"), "web"), undefined);

    const cronJob = await create("CronJob", "nightly", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "nightly" }, web()));
    const job = manifest("Job", ns(), "nightly-123", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "nightly" }, web()));
    job.metadata!.ownerReferences = [{ apiVersion: "batch/v1", kind: "CronJob", name: "nightly", uid: cronJob.metadata!.uid!, controller: true }];
    await client.create({ ...WORKLOADS.Job.resource, namespace: ns() }, job);
    assert.deepEqual(await reconcile("Job", "nightly-123"), { result: "skipped", reason: "controlled by CronJob nightly" });
    assert.deepEqual(events.reasons(), [], "no JobTemplateImmutable for a CronJob's Job");

    assert.deepEqual(await reconciler.reconcileWorkload("Deployment", ns(), "nothing-here"), { result: "gone" });
    assert.deepEqual(await reconciler.reconcileKey(`Deployment/${ns()}/nothing-here`), { result: "gone" });
  });

  it("does not recreate a workload deleted after the cache saw it", async () => {
    ready("web", H1);
    await create("Deployment", "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, web()));
    await reconcile("Deployment", "web");
    // The cache still has the old object (with its uid) for a moment; the delete comes first.
    const stale = informers.get("Deployment")!.get(`${ns()}/web`)!;
    await client.delete({ ...WORKLOADS.Deployment.resource, namespace: ns(), name: "web" });
    const lonely = new WorkloadReconciler({
      client,
      caches: { Deployment: { get: () => ({ ...stale, metadata: { ...stale.metadata, managedFields: [] } }) } },
      readiness: () => ({ state: "ready", key: `${ns()}/web`, hash: H2 }),
      events,
      logger: quiet,
    });
    assert.deepEqual(await lonely.reconcileWorkload("Deployment", ns(), "web"), { result: "gone" });
    await assert.rejects(get("Deployment", "web"), (err: unknown) => err instanceof ApiError && err.code === 404);
  });
});

describe("workload patching: pods on simulated nodes", function () {
  this.timeout(120_000);
  const cp = useControlPlane();
  const nodes: string[] = [];

  before(async function () {
    this.timeout(180_000);
    await cp().startWorkloadComponents();
  });

  const ns = useNamespace(cp);

  after(async () => {
    const core = cp().kubeConfig().makeApiClient(CoreV1Api);
    for (const name of nodes.splice(0)) await core.deleteNode({ name }).catch(() => undefined);
  });

  it("a patched Deployment's pods carry the pinned path and run; a new hash rolls out a new ReplicaSet", async () => {
    const node = `wl-${randomBytes(3).toString("hex")}`;
    nodes.push(node);
    await cp().createFakeNode(node);
    await cp().waitForNodeReady(node);

    const client = new RestClient(cp().kubeConfig());
    const informer = new Informer<KubeObject>(client, { resource: WORKLOADS.Deployment.resource, namespace: ns(), logger: quiet });
    informer.start();
    try {
      assert.ok(await informer.waitForSync(20_000));
      let readiness: ProfileReadiness = { state: "ready", key: `${ns()}/web`, hash: H1 };
      const reconciler = new WorkloadReconciler({ client, caches: { Deployment: informer }, readiness: () => readiness, events: new RecordedEvents(), logger: quiet });
      const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } } };
      const deployment = manifest("Deployment", ns(), "web", { "seccomp.operator.dev/profile": "web" }, podTemplate({ app: "web" }, [{ name: "web", image: "registry.example/web:1.0", securityContext: { allowPrivilegeEscalation: false } }], [], { affinity }));
      (deployment.spec as Record<string, unknown>).replicas = 2;
      await client.create({ ...WORKLOADS.Deployment.resource, namespace: ns() }, deployment);
      await eventually(() => assert.ok(informer.get(`${ns()}/web`)));
      assert.equal((await reconciler.reconcileWorkload("Deployment", ns(), "web")).result, "applied");

      const runningWith = (hash: string) =>
        eventually(
          async () => {
            const pods = (await client.list<KubeObject>({ group: "", version: "v1", plural: "pods", namespace: ns() })).items;
            const current = pods.filter((p) => !p.metadata?.deletionTimestamp);
            assert.equal(current.length, 2, JSON.stringify(current.map((p) => p.metadata?.name)));
            for (const pod of current) {
              const container = (pod.spec as { containers: Container[] }).containers[0]!;
              assert.deepEqual(container.securityContext?.seccompProfile, localhost(ns(), "web", hash), pod.metadata?.name);
              assert.equal((pod.status as { phase?: string }).phase, "Running", pod.metadata?.name);
            }
          },
          { timeoutMs: 60_000, intervalMs: 300 },
        );
      await runningWith(H1);

      readiness = { state: "ready", key: `${ns()}/web`, hash: H2 };
      await eventually(() => assert.ok((informer.get(`${ns()}/web`)?.metadata?.generation ?? 0) >= 2));
      assert.equal((await reconciler.reconcileWorkload("Deployment", ns(), "web")).result, "applied");
      await runningWith(H2);
      // One ReplicaSet per template: with H1, with H2 (and the one as created, if the Deployment controller was first).
      const replicaSets = (await client.list<KubeObject>({ ...WORKLOADS.ReplicaSet.resource, namespace: ns() })).items;
      const paths = replicaSets.map((rs) => (profileOf("ReplicaSet", rs, "web") as { localhostProfile?: string } | undefined)?.localhostProfile);
      assert.deepEqual(paths.filter((p) => p !== undefined).sort(), [localhost(ns(), "web", H1).localhostProfile, localhost(ns(), "web", H2).localhostProfile]);
    } finally {
      await informer.stop();
    }
  });
});
