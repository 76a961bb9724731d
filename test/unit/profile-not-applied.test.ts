import assert from "node:assert/strict";
import { controllingJob, profileNotApplied } from "../../src/api/profile-not-applied.js";
import { podSeccompShape } from "../../src/api/pod-seccomp.js";
import type { KubeObject } from "../../src/kube/objects.js";

const pod = (annotations: Record<string, string> | undefined, containers: object[], extra: object = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", ...(annotations ? { annotations } : {}), ...extra },
  spec: { containers, initContainers: [{ name: "init" }], ephemeralContainers: [{ name: "debug" }] },
});
const operator = { securityContext: { seccompProfile: { type: "Localhost", localhostProfile: `operator/ns/web/${"1".repeat(64)}.json` } } };

describe("api: profile not applied", () => {
  it("names the init and regular containers the annotations ask for that run no operator profile, never ephemeral ones", () => {
    assert.deepEqual(profileNotApplied(pod({ "seccomp.operator.dev/profile": "web" }, [{ name: "app" }, { name: "ok", ...operator }])), ["init", "app"]);
    assert.deepEqual(profileNotApplied(pod({ "container.seccomp.operator.dev/app": "web" }, [{ name: "app" }, { name: "other" }])), ["app"]);
    assert.deepEqual(profileNotApplied(pod({ unrelated: "x" }, [{ name: "app" }])), []);
    assert.deepEqual(profileNotApplied({ ...pod({ "seccomp.operator.dev/profile": "web" }, [{ name: "app" }]), status: { phase: "Succeeded" } }), [], "a finished pod runs nothing");
  });

  it("takes a Job's annotations for its pods, and the pod's own first", () => {
    const job = { metadata: { annotations: { "container.seccomp.operator.dev/app": "web" } } };
    assert.deepEqual(profileNotApplied(pod(undefined, [{ name: "app" }]), job), ["app"]);
    assert.deepEqual(profileNotApplied(pod({ "container.seccomp.operator.dev/init": "web" }, [{ name: "app" }]), job), ["init"]);
    const owned = pod(undefined, [], { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: "u", controller: true }] });
    assert.equal(controllingJob(owned), "nightly");
    assert.equal(controllingJob(pod(undefined, [], { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }] })), undefined);
  });

  it("the pod caches keep the operator's annotations and the controller's reference, nothing else of them", () => {
    const shaped = podSeccompShape(
      pod({ "seccomp.operator.dev/profile": "web", "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(1000) }, [{ name: "app" }], {
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: "u", controller: true, blockOwnerDeletion: true },
          { apiVersion: "v1", kind: "ConfigMap", name: "other", uid: "c" },
        ],
      }),
    );
    assert.deepEqual(shaped.metadata, { name: "p", namespace: "ns", annotations: { "seccomp.operator.dev/profile": "web" }, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: "u", controller: true }] });
    assert.deepEqual(profileNotApplied(shaped), ["init", "app"]);
  });
});
