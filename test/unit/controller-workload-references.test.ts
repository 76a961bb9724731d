import assert from "node:assert/strict";
import type { KubeObject } from "../../src/kube/objects.js";
import { applyBodyFor, isWorkloadKind, podSpecOf, WORKLOAD_KINDS } from "../../src/controller/workloads/workload-kinds.js";
import { parseWorkloadKey, workloadKey } from "../../src/controller/workloads/workload-kinds.js";
import { isProfileName, referencesOf } from "../../src/controller/workloads/workload-references.js";

const deployment = (annotations: Record<string, string>, podSpec: object): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", annotations },
  spec: { selector: {}, template: { spec: podSpec } },
});

const twoPlusInit = {
  initContainers: [{ name: "setup", image: "x" }],
  containers: [
    { name: "web", image: "x", securityContext: { allowPrivilegeEscalation: false } },
    { name: "proxy", image: "y", securityContext: { privileged: true } },
  ],
};

describe("controller: workload references", () => {
  it("the profile annotation applies to every container and init container", () => {
    const { references, problems } = referencesOf("Deployment", deployment({ "seccomp.operator.dev/profile": "web" }, twoPlusInit));
    assert.deepEqual(problems, []);
    assert.deepEqual(references, [
      { container: "setup", init: true, profile: "web", annotation: "seccomp.operator.dev/profile", allowPrivilegeEscalation: undefined, privileged: false },
      { container: "web", init: false, profile: "web", annotation: "seccomp.operator.dev/profile", allowPrivilegeEscalation: false, privileged: false },
      { container: "proxy", init: false, profile: "web", annotation: "seccomp.operator.dev/profile", allowPrivilegeEscalation: undefined, privileged: true },
    ]);
  });

  it("a container annotation wins over the profile annotation, for that container only", () => {
    const refs = referencesOf(
      "Deployment",
      deployment({ "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/proxy": "envoy", "container.seccomp.operator.dev/setup": "setup" }, twoPlusInit),
    );
    assert.deepEqual(
      refs.references.map((r) => [r.container, r.profile, r.annotation]),
      [
        ["setup", "setup", "container.seccomp.operator.dev/setup"],
        ["web", "web", "seccomp.operator.dev/profile"],
        ["proxy", "envoy", "container.seccomp.operator.dev/proxy"],
      ],
    );
    // The distinct profile names the workload asks for.
    assert.deepEqual([...new Set(refs.references.map((r) => r.profile))].sort(), ["envoy", "setup", "web"]);
  });

  it("container annotations alone name only their containers", () => {
    const { references } = referencesOf("Deployment", deployment({ "container.seccomp.operator.dev/web": "web" }, twoPlusInit));
    assert.deepEqual(references.map((r) => r.container), ["web"]);
  });

  it("reports an annotation for a container the template does not have", () => {
    const { references, problems } = referencesOf("Deployment", deployment({ "container.seccomp.operator.dev/wbe": "web" }, twoPlusInit));
    assert.deepEqual(references, []);
    assert.deepEqual(problems, [{ type: "unknown-container", annotation: "container.seccomp.operator.dev/wbe", container: "wbe", profile: "web" }]);
  });

  it("reports an invalid profile name with the containers it leaves alone, without falling back to the other annotation", () => {
    const { references, problems } = referencesOf(
      "Deployment",
      deployment({ "seccomp.operator.dev/profile": "Web_App", "container.seccomp.operator.dev/proxy": "../etc", "container.seccomp.operator.dev/web": "ok" }, twoPlusInit),
    );
    assert.deepEqual(references.map((r) => [r.container, r.profile]), [["web", "ok"]]);
    assert.deepEqual(problems, [
      { type: "invalid-profile-name", annotation: "seccomp.operator.dev/profile", profile: "Web_App", containers: [{ container: "setup", init: true }] },
      { type: "invalid-profile-name", annotation: "container.seccomp.operator.dev/proxy", profile: "../etc", containers: [{ container: "proxy", init: false }] },
    ]);
  });

  it("accepts DNS-1123 subdomains up to the profile name limit", () => {
    for (const ok of ["web", "a", "web-1", "go.runtime", "a".repeat(250)]) assert.ok(isProfileName(ok), ok);
    for (const bad of ["", "Web", "-web", "web-", "a..b", "a/b", "a_b", " web", "a".repeat(251)]) assert.ok(!isProfileName(bad), bad);
  });

  it("reads a CronJob's template under spec.jobTemplate.spec.template", () => {
    const cronJob: KubeObject = {
      metadata: { name: "nightly", namespace: "shop", annotations: { "seccomp.operator.dev/profile": "batch" } },
      spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: { containers: [{ name: "run", image: "x" }] } } } } },
    };
    assert.deepEqual(referencesOf("CronJob", cronJob).references.map((r) => [r.container, r.profile]), [["run", "batch"]]);
    // The same object read as a Job has no template where a Job keeps one.
    assert.deepEqual(referencesOf("Job", cronJob).references, []);
  });

  it("a workload without annotations or without a template asks for nothing", () => {
    assert.deepEqual(referencesOf("Deployment", deployment({}, twoPlusInit)), { references: [], problems: [] });
    assert.deepEqual(referencesOf("StatefulSet", { metadata: { name: "x", annotations: { "seccomp.operator.dev/profile": "p" } } }), { references: [], problems: [] });
  });
});

describe("controller: workload kinds", () => {
  it("knows the six kinds", () => {
    assert.deepEqual([...WORKLOAD_KINDS], ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
    assert.ok(isWorkloadKind("CronJob"));
    assert.ok(!isWorkloadKind("Pod"));
  });

  it("builds a partial object down to the template's containers, and no spec at all when there is nothing to own", () => {
    const patch = { containers: [{ name: "run", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "operator/a/b/h.json" } } }] };
    assert.deepEqual(applyBodyFor("CronJob", { namespace: "shop", name: "nightly", uid: "u-1" }, patch), {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly", namespace: "shop", uid: "u-1" },
      spec: { jobTemplate: { spec: { template: { spec: patch } } } },
    });
    assert.deepEqual(applyBodyFor("DaemonSet", { namespace: "shop", name: "agent" }, { containers: [] }), {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agent", namespace: "shop" },
    });
    assert.deepEqual(podSpecOf("CronJob", applyBodyFor("CronJob", { namespace: "s", name: "n" }, patch)), patch);
  });

  it("names work queue keys Kind/namespace/name and parses them back", () => {
    assert.equal(workloadKey("CronJob", "shop", "nightly"), "CronJob/shop/nightly");
    assert.deepEqual(parseWorkloadKey("StatefulSet/shop/db"), { kind: "StatefulSet", namespace: "shop", name: "db" });
    for (const bad of ["Pod/shop/x", "Deployment/shop", "Deployment//x", "Deployment/shop/x/y", "shop/x"]) assert.equal(parseWorkloadKey(bad), undefined, bad);
  });
});

describe("controller: what the workload caches keep", () => {
  it("keeps identity, owners, the operator's annotations and fields, and the seccomp fields of the template that are set; drops the rest", async () => {
    const { workloadShape } = await import("../../src/controller/controller-caches.js");
    const kept = workloadShape("CronJob", {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: {
        name: "nightly",
        namespace: "team",
        uid: "u1",
        resourceVersion: "7",
        creationTimestamp: "2026-12-01T10:00:00Z",
        annotations: { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/job": "api", "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(4096) },
        labels: { app: "nightly" },
        managedFields: [{ manager: "kubectl", operation: "Apply" }, { manager: "seccomp-operator", operation: "Apply" }],
      },
      spec: {
        schedule: "@daily",
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: "busybox", env: [{ name: "A", value: "1" }], securityContext: { privileged: true, runAsUser: 1000 } }] } } } },
      },
    } as never);
    assert.deepEqual(kept, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: {
        name: "nightly",
        namespace: "team",
        uid: "u1",
        resourceVersion: "7",
        creationTimestamp: "2026-12-01T10:00:00Z",
        annotations: { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/job": "api" },
        managedFields: [{ manager: "seccomp-operator", operation: "Apply" }],
      },
      spec: {
        jobTemplate: {
          spec: {
            template: {
              // Fields left unset are not kept.
              spec: { containers: [{ name: "job", securityContext: { privileged: true } }] },
            },
          },
        },
      },
    });
  });
});

describe("controller: what the profile cache keeps", () => {
  it("keeps identity, generation, finalizers, deletion, spec, status and the operator's own labels and annotations (recordings read them); drops the rest and managedFields", async () => {
    const { profileShape } = await import("../../src/controller/controller-caches.js");
    const spec = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] };
    const status = { observedGeneration: 2, hash: "a".repeat(64) };
    const kept = profileShape({
      apiVersion: "seccomp.operator.dev/v1alpha1",
      kind: "SeccompProfile",
      metadata: {
        name: "web",
        namespace: "shop",
        uid: "u1",
        resourceVersion: "9",
        generation: 2,
        deletionTimestamp: "2026-12-01T10:00:00Z",
        finalizers: ["seccomp.operator.dev/in-use"],
        labels: { app: "web", "seccomp.operator.dev/recording": "rec" },
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(4096), "seccomp.operator.dev/quieted-at": "2026-12-01T10:00:00Z" },
        managedFields: [{ manager: "kubectl", operation: "Apply" }],
      },
      spec,
      status,
    } as never);
    assert.deepEqual(kept, {
      apiVersion: "seccomp.operator.dev/v1alpha1",
      kind: "SeccompProfile",
      metadata: {
        name: "web",
        namespace: "shop",
        uid: "u1",
        resourceVersion: "9",
        generation: 2,
        deletionTimestamp: "2026-12-01T10:00:00Z",
        finalizers: ["seccomp.operator.dev/in-use"],
        labels: { "seccomp.operator.dev/recording": "rec" },
        annotations: { "seccomp.operator.dev/quieted-at": "2026-12-01T10:00:00Z" },
      },
      spec,
      status,
    });
  });
});
