import assert from "node:assert/strict";
import type { KubeObject } from "../../src/kube/objects.js";
import { ownedFields } from "../../src/controller/workloads/pod-template-fields.js";
import { currentValues, needsWrite, planWorkload, type WorkloadPlan } from "../../src/controller/workloads/workload-plan.js";
import type { ProfileReadiness, ReadinessLookup } from "../../src/controller/profiles/readiness-index.js";
import { referencesOf } from "../../src/controller/workloads/workload-references.js";
import type { WorkloadKind } from "../../src/controller/workloads/workload-kinds.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
const pinned = (ns: string, name: string, hash: string) => ({ type: "Localhost", localhostProfile: `operator/${ns}/${name}/${hash}.json` });

type Entry = { list: "containers" | "initContainers"; name: string; fields?: string[] };

/** managedFields as the API server writes them for the operator's applies (checked against kube-apiserver). */
function ours(entries: Entry[], extra: Record<string, unknown> = {}, templatePath = ["spec", "template"]) {
  const spec: Record<string, Record<string, unknown>> = {};
  for (const e of entries) {
    const leaves = Object.fromEntries((e.fields ?? ["localhostProfile", "type"]).map((f) => [`f:${f}`, {}]));
    (spec[`f:${e.list}`] ??= {})[`k:${JSON.stringify({ name: e.name })}`] = { ".": {}, "f:name": {}, "f:securityContext": { "f:seccompProfile": leaves } };
  }
  let fields: Record<string, unknown> = { "f:spec": { ...spec, ...extra } };
  for (const segment of [...templatePath].reverse()) fields = { [`f:${segment}`]: fields };
  return { manager: "seccomp-operator", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: fields };
}

function workload(options: { kind?: WorkloadKind; annotations?: Record<string, string>; profiles?: Record<string, object>; managedFields?: object[]; owner?: boolean } = {}): KubeObject {
  const sc = (name: string) => (options.profiles?.[name] ? { seccompProfile: options.profiles[name] } : undefined);
  const podSpec = {
    initContainers: [{ name: "setup", image: "x", securityContext: { allowPrivilegeEscalation: false, ...sc("setup") } }],
    containers: [
      { name: "web", image: "x", securityContext: { allowPrivilegeEscalation: false, ...sc("web") } },
      { name: "proxy", image: "y", securityContext: { allowPrivilegeEscalation: false, ...sc("proxy") } },
    ],
  };
  const template = { metadata: { labels: { app: "web" } }, spec: podSpec };
  const kind = options.kind ?? "Deployment";
  return {
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "uid-1",
      annotations: options.annotations ?? { "seccomp.operator.dev/profile": "web" },
      managedFields: (options.managedFields ?? []) as Array<Record<string, unknown>>,
    },
    spec: kind === "CronJob" ? { jobTemplate: { spec: { template } } } : { template },
  };
}

const lookup =
  (answers: Record<string, ProfileReadiness>): ReadinessLookup =>
  (_namespace, name) =>
    answers[name] ?? { state: "missing" };

const plan = (w: KubeObject, answers: Record<string, ProfileReadiness>, kind: WorkloadKind = "Deployment"): WorkloadPlan =>
  planWorkload(kind, w, referencesOf(kind, w), lookup(answers));

const reasons = (p: WorkloadPlan) => p.events.map((e) => `${e.type}/${e.reason}`);

describe("controller: workload apply plan", () => {
  it("ready: the pinned path on every container and init container, in a body that holds nothing else", () => {
    const p = plan(workload(), { web: { state: "ready", key: "shop/web", hash: H1 } });
    const value = pinned("shop", "web", H1);
    assert.equal(p.write, true);
    assert.deepEqual(p.body, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop", uid: "uid-1" },
      spec: {
        template: {
          spec: {
            initContainers: [{ name: "setup", securityContext: { seccompProfile: value } }],
            containers: [
              { name: "web", securityContext: { seccompProfile: value } },
              { name: "proxy", securityContext: { seccompProfile: value } },
            ],
          },
        },
      },
    });
    assert.deepEqual(reasons(p), ["Normal/ProfileApplied"]);
  });

  it("ready in the catalogue: the path names the namespace the profile resolved in", () => {
    const p = plan(workload(), { web: { state: "ready", key: "seccomp-catalogue/web", hash: H1 } });
    assert.deepEqual(p.desired[0]?.value, pinned("seccomp-catalogue", "web", H1));
  });

  it("a container annotation gives that container its own profile", () => {
    const w = workload({ annotations: { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/proxy": "envoy" } });
    const p = plan(w, { web: { state: "ready", key: "shop/web", hash: H1 }, envoy: { state: "ready", key: "shop/envoy", hash: H2 } });
    assert.deepEqual(
      p.desired.map((d) => [d.container, d.value.localhostProfile]),
      [
        ["setup", pinned("shop", "web", H1).localhostProfile],
        ["web", pinned("shop", "web", H1).localhostProfile],
        ["proxy", pinned("shop", "envoy", H2).localhostProfile],
      ],
    );
  });

  it("pending: re-applies exactly what the manager owns now, and says it waits", () => {
    const old = pinned("shop", "web", H1);
    const w = workload({
      profiles: { setup: old, web: old, proxy: old },
      managedFields: [ours([{ list: "initContainers", name: "setup" }, { list: "containers", name: "web" }, { list: "containers", name: "proxy" }])],
    });
    const p = plan(w, { web: { state: "pending", key: "shop/web", reason: "installed on 2 of 3 nodes" } });
    assert.deepEqual(p.desired.map((d) => [d.list, d.container, d.value, d.origin]), [
      ["initContainers", "setup", old, "kept"],
      ["containers", "web", old, "kept"],
      ["containers", "proxy", old, "kept"],
    ]);
    assert.equal(p.write, false, "the template already holds it: nothing to write");
    assert.deepEqual(reasons(p), ["Normal/ProfilePending"]);
    assert.match(p.events[0]!.message, /shop\/web.*every node.*2 of 3 nodes/);
  });

  it("pending holds the whole template, also containers whose own profile is ready, so that a rollout happens once", () => {
    const old = pinned("shop", "web", H1);
    const w = workload({
      annotations: { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/proxy": "envoy" },
      profiles: { web: old },
      managedFields: [ours([{ list: "containers", name: "web" }])],
    });
    const p = plan(w, { web: { state: "ready", key: "shop/web", hash: H2 }, envoy: { state: "pending", key: "shop/envoy", reason: "not installed yet" } });
    assert.deepEqual(p.desired.map((d) => [d.container, d.value, d.origin]), [["web", old, "kept"]]);
    assert.equal(p.write, false);
  });

  it("pending on a workload that never had a profile: nothing to apply", () => {
    const p = plan(workload(), { web: { state: "pending", key: "shop/web", reason: "r" } });
    assert.deepEqual(p.desired, []);
    assert.equal(p.write, false);
    assert.deepEqual(p.body, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "uid-1" } });
  });

  it("a value another manager set is not kept while pending: only the operator's own fields are", () => {
    const w = workload({ profiles: { web: { type: "RuntimeDefault" } } });
    const p = plan(w, { web: { state: "pending", key: "shop/web", reason: "r" } });
    assert.deepEqual(p.desired, []);
    assert.equal(p.write, false);
  });

  for (const [state, answer, reason] of [
    ["invalid", { state: "invalid", key: "shop/web", reason: "SCP001: exit_group is blocked" }, "Warning/ProfileInvalid"],
    ["missing", { state: "missing" }, "Warning/ProfileNotFound"],
  ] as const) {
    it(`${state}: keeps the operator's previous fields, adds nothing, and warns`, () => {
      const old = pinned("shop", "web", H1);
      const w = workload({ profiles: { web: old }, managedFields: [ours([{ list: "containers", name: "web" }])] });
      const p = plan(w, { web: answer });
      assert.deepEqual(p.desired.map((d) => [d.container, d.value, d.origin]), [["web", old, "kept"]]);
      assert.equal(p.write, false);
      assert.deepEqual(reasons(p), [reason]);
    });
  }

  it("an invalid profile for one container does not hold the others", () => {
    const w = workload({ annotations: { "seccomp.operator.dev/profile": "web", "container.seccomp.operator.dev/proxy": "envoy" } });
    const p = plan(w, { web: { state: "ready", key: "shop/web", hash: H1 }, envoy: { state: "invalid", key: "shop/envoy", reason: "bad" } });
    assert.deepEqual(p.desired.map((d) => d.container), ["setup", "web"]);
    assert.equal(p.write, true);
    assert.deepEqual(reasons(p), ["Warning/ProfileInvalid", "Normal/ProfileApplied"]);
  });

  it("an unknown container and an invalid name warn; the invalid name keeps the container's previous field", () => {
    const old = pinned("shop", "web", H1);
    const w = workload({
      annotations: { "seccomp.operator.dev/profile": "Bad_Name", "container.seccomp.operator.dev/nginx": "web", "container.seccomp.operator.dev/proxy": "web" },
      profiles: { web: old },
      managedFields: [ours([{ list: "containers", name: "web" }])],
    });
    const p = plan(w, { web: { state: "ready", key: "shop/web", hash: H1 } });
    assert.deepEqual(p.desired.map((d) => [d.container, d.origin]), [["proxy", "ready"], ["web", "kept"]]);
    assert.deepEqual(reasons(p), ["Warning/UnknownContainer", "Warning/InvalidProfileName", "Normal/ProfileApplied"]);
  });

  it("no annotation any more: an empty body drops the operator's fields", () => {
    const old = pinned("shop", "web", H1);
    const w = workload({ annotations: {}, profiles: { web: old }, managedFields: [ours([{ list: "containers", name: "web" }])] });
    const p = plan(w, {});
    assert.equal(p.write, true);
    assert.deepEqual(p.body, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "uid-1" } });
    assert.deepEqual(reasons(p), ["Normal/ProfileRemoved"]);
  });

  it("warns about privileged containers and privilege escalation when it applies, and still applies", () => {
    const w = workload();
    const spec = (w.spec as { template: { spec: { containers: Array<{ securityContext: object }> } } }).template.spec;
    spec.containers[0]!.securityContext = {};
    spec.containers[1]!.securityContext = { privileged: true };
    const p = plan(w, { web: { state: "ready", key: "shop/web", hash: H1 } });
    assert.equal(p.write, true);
    assert.deepEqual(reasons(p), ["Normal/ProfileApplied", "Warning/PrivilegedContainer", "Warning/PrivilegeEscalationAllowed"]);
    assert.match(p.events[1]!.message, /container proxy$/);
    assert.match(p.events[2]!.message, /container web$/);
  });

  it("a CronJob's body nests the containers under spec.jobTemplate.spec.template", () => {
    const p = plan(workload({ kind: "CronJob" }), { web: { state: "ready", key: "shop/web", hash: H1 } }, "CronJob");
    assert.equal(p.write, true);
    assert.deepEqual(Object.keys((p.body.spec as { jobTemplate: { spec: { template: { spec: object } } } }).jobTemplate.spec.template.spec), ["initContainers", "containers"]);
  });

  describe("Jobs, whose pod template is immutable", () => {
    it("never write, and warn when the template lacks the profile", () => {
      const p = plan(workload({ kind: "Job" }), { web: { state: "ready", key: "shop/web", hash: H1 } }, "Job");
      assert.equal(p.write, false);
      assert.deepEqual(reasons(p), ["Warning/JobTemplateImmutable"]);
    });

    it("say nothing when the Job was created with the right fields, whoever set them", () => {
      const value = pinned("shop", "web", H1);
      const p = plan(workload({ kind: "Job", profiles: { setup: value, web: value, proxy: value } }), { web: { state: "ready", key: "shop/web", hash: H1 } }, "Job");
      assert.equal(p.write, false);
      assert.deepEqual(p.events, []);
    });
  });
});

describe("controller: the no-write decision", () => {
  const value = pinned("shop", "web", H1);
  const all: Entry[] = [{ list: "initContainers", name: "setup" }, { list: "containers", name: "web" }, { list: "containers", name: "proxy" }];
  const ready = { web: { state: "ready", key: "shop/web", hash: H1 } } as const;

  it("does not write when the template has the values and the operator owns exactly them", () => {
    const w = workload({ profiles: { setup: value, web: value, proxy: value }, managedFields: [ours(all)] });
    assert.equal(plan(w, ready).write, false);
    assert.deepEqual(plan(w, ready).events, [], "no Event on a resync");
  });

  it("does not write for a CronJob in the same state", () => {
    const w = workload({ kind: "CronJob", profiles: { setup: value, web: value, proxy: value }, managedFields: [ours(all, {}, ["spec", "jobTemplate", "spec", "template"])] });
    assert.equal(plan(w, ready, "CronJob").write, false);
  });

  it("writes when a value differs (a new hash)", () => {
    const w = workload({ profiles: { setup: value, web: value, proxy: value }, managedFields: [ours(all)] });
    assert.equal(plan(w, { web: { state: "ready", key: "shop/web", hash: H2 } }).write, true);
  });

  it("writes when the values are there but another manager set them (to own them)", () => {
    const w = workload({ profiles: { setup: value, web: value, proxy: value } });
    const p = plan(w, ready);
    assert.equal(p.write, true);
    assert.deepEqual(reasons(p), [], "nothing changes in the template: no Event");
  });

  it("writes when the operator owns a container it no longer wants, or a field besides seccompProfile", () => {
    const both = workload({ profiles: { setup: value, web: value, proxy: value }, managedFields: [ours(all)] });
    const onlyWeb = { ...both, metadata: { ...both.metadata, annotations: { "container.seccomp.operator.dev/web": "web" } } };
    assert.equal(plan(onlyWeb, ready).write, true);
    const extra = workload({ profiles: { setup: value, web: value, proxy: value }, managedFields: [ours(all, { "f:hostNetwork": {} })] });
    assert.equal(plan(extra, ready).write, true);
  });

  it("writes when only some leaves are owned", () => {
    const w = workload({
      profiles: { setup: value, web: value, proxy: value },
      managedFields: [ours([...all.slice(0, 2), { list: "containers", name: "proxy", fields: ["type"] }])],
    });
    assert.equal(plan(w, ready).write, true);
  });

  it("reads ownership only from the operator's Apply entries on the object itself", () => {
    const entry = ours(all);
    const w = workload({
      profiles: { setup: value, web: value, proxy: value },
      managedFields: [
        { ...entry, manager: "kubectl" },
        { ...entry, operation: "Update" },
        { ...entry, subresource: "status" },
      ],
    });
    assert.deepEqual(ownedFields("Deployment", w), { profiles: [], other: false });
    assert.equal(needsWrite(ownedFields("Deployment", w), currentValues("Deployment", w), []), false);
  });

  it("parses the API server's field set", () => {
    const w = workload({ managedFields: [ours(all)] });
    assert.deepEqual(ownedFields("Deployment", w), {
      profiles: [
        { list: "initContainers", container: "setup", fields: ["localhostProfile", "type"] },
        { list: "containers", container: "web", fields: ["localhostProfile", "type"] },
        { list: "containers", container: "proxy", fields: ["localhostProfile", "type"] },
      ],
      other: false,
    });
  });
});
