import assert from "node:assert/strict";
import { CONTAINER_ANNOTATION_PREFIX, PROFILE_ANNOTATION } from "../../src/api/names.js";
import { mutateProfiles } from "../../src/controller/admission/profile-mutation.js";
import type { ProfileReadiness, ReadinessLookup } from "../../src/controller/profiles/readiness-index.js";
import type { AdmissionRequest, JsonPatchOperation } from "../../src/kube/admission-review.js";
import type { KubeObject } from "../../src/kube/objects.js";

const H = "c".repeat(64);
const pinned = (ns: string, name: string) => ({ type: "Localhost", localhostProfile: `operator/${ns}/${name}/${H}.json` });
const lookup =
  (states: Record<string, ProfileReadiness>): ReadinessLookup =>
  (_ns, name) =>
    states[name] ?? { state: "missing" };
const READY: ReadinessLookup = lookup({ web: { state: "ready", key: "shop/web", hash: H }, base: { state: "ready", key: "seccomp-catalogue/base", hash: H } });

interface Container {
  name: string;
  image: string;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: unknown };
}
const containers = (): Container[] => [
  { name: "web", image: "x" },
  { name: "proxy", image: "y", securityContext: { runAsNonRoot: true } },
];

function request(kind: { group: string; kind: string }, object: KubeObject, operation: AdmissionRequest["operation"] = "CREATE"): AdmissionRequest {
  return { uid: "u1", kind: { ...kind, version: "v1" }, operation, namespace: "shop", object };
}
const deployment = (annotations: Record<string, string>, extra: Partial<KubeObject["metadata"]> = {}) => ({
  metadata: { name: "d", annotations, ...extra },
  spec: { template: { spec: { initContainers: [{ name: "setup", image: "z" }] as Container[], containers: containers() } } },
});
const DEPLOYMENT = { group: "apps", kind: "Deployment" };
const POD = { group: "", kind: "Pod" };

/** The object as the API server would store it after the patch. */
function patched(object: KubeObject, patch: readonly JsonPatchOperation[]): KubeObject {
  const copy = structuredClone(object) as Record<string, unknown>;
  for (const op of patch) {
    assert.equal(op.op, "add");
    const segments = op.path.split("/").slice(1);
    const last = segments.pop()!;
    let node = copy as Record<string, unknown>;
    for (const s of segments) node = node[s] as Record<string, unknown>;
    assert.ok(node !== undefined, `parent of ${op.path} exists`);
    node[last] = op.value;
  }
  return copy as KubeObject;
}

describe("admission: profile mutation", () => {
  it("sets every container and init container of a Deployment's template, keeping the rest of securityContext", () => {
    const object = deployment({ [PROFILE_ANNOTATION]: "web" });
    const m = mutateProfiles(request(DEPLOYMENT, object), READY)!;
    assert.equal(m.outcome, "mutated");
    const spec = (patched(object, m.patch) as ReturnType<typeof deployment>).spec.template.spec;
    assert.deepEqual(spec.containers[0], { name: "web", image: "x", securityContext: { seccompProfile: pinned("shop", "web") } });
    assert.deepEqual(spec.containers[1], { name: "proxy", image: "y", securityContext: { runAsNonRoot: true, seccompProfile: pinned("shop", "web") } });
    assert.deepEqual(spec.initContainers[0]?.securityContext, { seccompProfile: pinned("shop", "web") });
  });

  it("names the catalogue's folder when the name resolved there, and lets a per-container annotation win", () => {
    const object = deployment({ [PROFILE_ANNOTATION]: "base", [`${CONTAINER_ANNOTATION_PREFIX}proxy`]: "web" });
    const spec = (patched(object, mutateProfiles(request(DEPLOYMENT, object), READY)!.patch) as ReturnType<typeof deployment>).spec.template.spec;
    assert.deepEqual(spec.containers[0]?.securityContext?.seccompProfile, pinned("seccomp-catalogue", "base"));
    assert.deepEqual(spec.containers[1]?.securityContext?.seccompProfile, pinned("shop", "web"));
  });

  it("changes nothing when the template already has the path (an update, the controller's own apply)", () => {
    const object = patched(deployment({ [PROFILE_ANNOTATION]: "web" }), mutateProfiles(request(DEPLOYMENT, deployment({ [PROFILE_ANNOTATION]: "web" })), READY)!.patch);
    const m = mutateProfiles(request(DEPLOYMENT, object, "UPDATE"), READY)!;
    assert.deepEqual([m.outcome, m.patch], ["unchanged", []]);
  });

  it("admits the whole template unchanged while one of its profiles is pending, with a warning naming it", () => {
    const object = deployment({ [PROFILE_ANNOTATION]: "web", [`${CONTAINER_ANNOTATION_PREFIX}proxy`]: "envoy" });
    const m = mutateProfiles(request(DEPLOYMENT, object), lookup({ web: { state: "ready", key: "shop/web", hash: H }, envoy: { state: "pending", key: "shop/envoy", reason: "1/3 live nodes" } }))!;
    assert.deepEqual([m.outcome, m.patch], ["pending", []]);
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /shop\/envoy.*1\/3 live nodes.*once it is/);
  });

  it("warns about names it cannot resolve and containers the template does not have, and sets the rest", () => {
    const object = deployment({ [PROFILE_ANNOTATION]: "web", [`${CONTAINER_ANNOTATION_PREFIX}sidecar`]: "web", [`${CONTAINER_ANNOTATION_PREFIX}proxy`]: "nope" });
    const m = mutateProfiles(request(DEPLOYMENT, object), READY)!;
    assert.equal(m.outcome, "mutated");
    assert.equal(m.patch.length, 2, "web and setup; proxy names a missing profile");
    assert.ok(m.warnings.some((w) => /"sidecar"/.test(w)));
    assert.ok(m.warnings.some((w) => /no SeccompProfile "nope"/.test(w)));
  });

  it("sets a bare pod on CREATE only: a pod's profile cannot change later", () => {
    const pod = { metadata: { generateName: "p-", annotations: { [PROFILE_ANNOTATION]: "web" } }, spec: { containers: containers() } };
    const m = mutateProfiles(request(POD, pod), READY)!;
    assert.equal(m.kind, "Pod");
    const spec = (patched(pod, m.patch) as typeof pod).spec;
    assert.deepEqual(spec.containers.map((c) => (c as { securityContext?: { seccompProfile?: unknown } }).securityContext?.seccompProfile), [pinned("shop", "web"), pinned("shop", "web")]);
    assert.equal(mutateProfiles(request(POD, pod, "UPDATE"), READY)!.patch.length, 0);
  });

  it("warns that a bare pod created while its profile is pending keeps running without it", () => {
    const pod = { metadata: { annotations: { [PROFILE_ANNOTATION]: "web" } }, spec: { containers: containers() } };
    const m = mutateProfiles(request(POD, pod), lookup({ web: { state: "pending", key: "shop/web", reason: "no node agent is reporting" } }))!;
    assert.equal(m.outcome, "pending");
    assert.match(m.warnings[0]!, /cannot change once it exists/);
  });

  it("sets a Job's template when it is created, never on update (it is immutable), and skips copies of an owner's template", () => {
    const job = { metadata: { annotations: { [PROFILE_ANNOTATION]: "web" } }, spec: { template: { spec: { containers: containers(), restartPolicy: "Never" } } } };
    const created = mutateProfiles(request({ group: "batch", kind: "Job" }, job), READY)!;
    assert.equal(created.outcome, "mutated");
    assert.deepEqual(created.warnings, [], "no word of an immutable template on create");
    assert.equal(mutateProfiles(request({ group: "batch", kind: "Job" }, job, "UPDATE"), READY)!.outcome, "unchanged");
    const owned = deployment({ [PROFILE_ANNOTATION]: "web" }, { ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "d", uid: "1", controller: true }] });
    assert.equal(mutateProfiles(request({ group: "apps", kind: "ReplicaSet" }, owned), READY)!.outcome, "unchanged");
  });

  it("patches a CronJob's job template at its own path", () => {
    const cron = { metadata: { annotations: { [PROFILE_ANNOTATION]: "web" } }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { containers: [{ name: "web", image: "x" }] } } } } } };
    const m = mutateProfiles(request({ group: "batch", kind: "CronJob" }, cron), READY)!;
    assert.deepEqual(m.patch, [{ op: "add", path: "/spec/jobTemplate/spec/template/spec/containers/0/securityContext", value: { seccompProfile: pinned("shop", "web") } }]);
  });

  it("removes the pinned path of a profile an update no longer names, and nothing else", () => {
    const annotated = deployment({ [PROFILE_ANNOTATION]: "web" });
    const before = patched(annotated, mutateProfiles(request(DEPLOYMENT, annotated), READY)!.patch) as ReturnType<typeof deployment>;
    const after = structuredClone(before);
    after.metadata.annotations = { [`${CONTAINER_ANNOTATION_PREFIX}proxy`]: "web" };
    after.spec.template.spec.initContainers[0]!.securityContext = { seccompProfile: { type: "RuntimeDefault" } } as never;
    const m = mutateProfiles({ ...request(DEPLOYMENT, after, "UPDATE"), oldObject: before }, READY)!;
    // web loses its path; proxy is still named; setup's value is the user's own now.
    assert.deepEqual(m.patch, [{ op: "remove", path: "/spec/template/spec/containers/0/securityContext/seccompProfile" }]);
    const hand = structuredClone(before);
    hand.metadata.annotations = {};
    hand.spec.template.spec.containers[0]!.securityContext = { seccompProfile: { type: "Localhost", localhostProfile: "operator/shop/other.json" } };
    const kept = mutateProfiles({ ...request(DEPLOYMENT, hand, "UPDATE"), oldObject: before }, READY)!;
    assert.ok(!kept.patch.some((op) => op.path.includes("/containers/0/")), "a path the user wrote is not the operator's");
    // Released also while another profile the update names is still pending.
    const pendingProxy = { ...request(DEPLOYMENT, after, "UPDATE"), oldObject: before };
    const m2 = mutateProfiles(pendingProxy, lookup({ web: { state: "pending", key: "shop/web", reason: "1/2 live nodes" } }))!;
    assert.equal(m2.outcome, "pending");
    assert.deepEqual(m2.patch, [{ op: "remove", path: "/spec/template/spec/containers/0/securityContext/seccompProfile" }]);
  });

  it("ignores kinds it does not handle", () => {
    assert.equal(mutateProfiles(request({ group: "apps", kind: "ControllerRevision" }, { metadata: {} }), READY), undefined);
  });
});
