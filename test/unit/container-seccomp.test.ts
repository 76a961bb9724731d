import assert from "node:assert/strict";
import { podSeccompOf, profileLevel, PROFILE_TYPES, type ContainerSeccomp } from "../../src/api/container-seccomp.js";
import { podSeccompShape } from "../../src/api/pod-seccomp.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { ContainerCounts } from "../../src/controller/pods/seccomp-containers-metric.js";

const HASH = "a".repeat(64);
const pod = (spec: object, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "shop", uid: "u" },
  spec,
  ...extra,
});

function types(p: KubeObject): string[] {
  const result = podSeccompOf(p);
  assert.equal(result.ignored, undefined, "not ignored");
  return (result as { containers: ContainerSeccomp[] }).containers.map((c) => `${c.kind}/${c.name}: ${c.type} from ${c.source}`);
}

/** A pod with every case: pod-level RuntimeDefault, overrides, privileged, operator and other Localhost paths. */
const everyCase = pod({
  securityContext: { seccompProfile: { type: "RuntimeDefault" } },
  initContainers: [{ name: "setup", securityContext: { seccompProfile: { type: "Unconfined" } } }],
  containers: [
    { name: "inherits" },
    { name: "privileged", securityContext: { privileged: true, seccompProfile: { type: "RuntimeDefault" } } },
    { name: "pinned", securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: "Localhost", localhostProfile: `operator/shop/web/${HASH}.json` } } },
    { name: "stable", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "operator/seccomp-catalogue/go-runtime.json" } } },
    { name: "other", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" } } },
  ],
  ephemeralContainers: [{ name: "debug", securityContext: { seccompProfile: { type: "Unconfined" } } }],
});

describe("api: effective seccomp profile of each container", () => {
  it("the container's field wins over the pod's, privileged is always unconfined, init and ephemeral containers count", () => {
    assert.deepEqual(types(everyCase), [
      "init/setup: unconfined from container",
      "container/inherits: runtime-default from pod",
      "container/privileged: unconfined from privileged",
      "container/pinned: localhost-operator from container",
      "container/stable: localhost-operator from container",
      "container/other: localhost-other from container",
      "ephemeral/debug: unconfined from container",
    ]);
  });

  it("nothing set anywhere is the kubelet's default, unconfined; a pod-level Localhost applies to containers without their own", () => {
    assert.deepEqual(types(pod({ containers: [{ name: "c" }] })), ["container/c: unconfined from default"]);
    const podLocalhost = pod({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "operator/shop/web.json" } }, containers: [{ name: "c" }] });
    const [c] = (podSeccompOf(podLocalhost) as { containers: ContainerSeccomp[] }).containers;
    assert.deepEqual(c, {
      name: "c",
      kind: "container",
      type: "localhost-operator",
      source: "pod",
      localhostProfile: "operator/shop/web.json",
      operatorProfile: { namespace: "shop", name: "web" },
      privileged: false,
      allowPrivilegeEscalation: true,
    });
  });

  it("names the operator's profile and the pinned hash, and reads allowPrivilegeEscalation", () => {
    const containers = (podSeccompOf(everyCase) as { containers: ContainerSeccomp[] }).containers;
    const byName = (n: string) => containers.find((c) => c.name === n)!;
    assert.deepEqual(byName("pinned").operatorProfile, { namespace: "shop", name: "web", hash: HASH });
    assert.equal(byName("pinned").allowPrivilegeEscalation, false);
    assert.deepEqual(byName("stable").operatorProfile, { namespace: "seccomp-catalogue", name: "go-runtime" });
    assert.equal(byName("other").operatorProfile, undefined);
    assert.equal(byName("other").localhostProfile, "profiles/audit.json");
    assert.equal(byName("privileged").privileged, true);
  });

  it("ignores Windows pods, HostProcess pods (pod or container level) and finished pods", () => {
    assert.match(podSeccompOf(pod({ os: { name: "windows" }, containers: [{ name: "c" }] })).ignored ?? "", /^Windows pod/);
    assert.match(podSeccompOf(pod({ securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: "c" }] })).ignored ?? "", /HostProcess/);
    assert.match(podSeccompOf(pod({ containers: [{ name: "c", securityContext: { windowsOptions: { hostProcess: true } } }] })).ignored ?? "", /HostProcess/);
    assert.match(podSeccompOf(pod({ containers: [{ name: "c" }] }, { status: { phase: "Succeeded" } })).ignored ?? "", /^Succeeded/);
    assert.equal(podSeccompOf(pod({ os: { name: "linux" }, containers: [{ name: "c" }] }, { status: { phase: "Running" } })).ignored, undefined);
  });

  it("the controller's pod cache keeps everything the classification reads", () => {
    const cases = [
      everyCase,
      pod({ os: { name: "windows" }, containers: [{ name: "c" }] }),
      pod({ securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: "c" }] }),
      pod({ containers: [{ name: "c", securityContext: { windowsOptions: { hostProcess: true, runAsUserName: "x" } } }] }),
      pod({ containers: [{ name: "c", image: "x", securityContext: { runAsUser: 1 } }] }, { status: { phase: "Failed", reason: "Evicted" } }),
    ];
    for (const p of cases) assert.deepEqual(podSeccompOf(podSeccompShape(p)), podSeccompOf(p));
  });

  it("levels order the types for --fail-on: unconfined < runtime-default < any Localhost", () => {
    assert.deepEqual(PROFILE_TYPES.map(profileLevel), [0, 1, 2, 2]);
  });

  it("the metric counts per namespace and type, zeros included, and skips ignored pods", () => {
    const other = (ns: string, spec: object, extra: Partial<KubeObject> = {}) => ({ ...pod(spec, extra), metadata: { name: "q", namespace: ns } });
    const counts = new ContainerCounts();
    const web = other("web", { containers: [{ name: "a", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, { name: "b" }] });
    for (const p of [everyCase, other("batch", { containers: [{ name: "c" }] }, { status: { phase: "Succeeded" } }), other("win", { os: { name: "windows" }, containers: [{ name: "c" }] }), web]) counts.count(p, 1);
    assert.deepEqual(Object.fromEntries(counts.rows()), {
      shop: { unconfined: 3, "runtime-default": 1, "localhost-operator": 2, "localhost-other": 1 },
      batch: { unconfined: 0, "runtime-default": 0, "localhost-operator": 0, "localhost-other": 0 },
      win: { unconfined: 0, "runtime-default": 0, "localhost-operator": 0, "localhost-other": 0 },
      web: { unconfined: 1, "runtime-default": 1, "localhost-operator": 0, "localhost-other": 0 },
    });
  });

  it("the metric follows pods that change and go: a namespace goes with its last pod", () => {
    const counts = new ContainerCounts();
    const running = { ...pod({ containers: [{ name: "a" }, { name: "b", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }] }), metadata: { name: "p", namespace: "web" } };
    const done = { ...running, status: { phase: "Succeeded" } };
    counts.count(running, 1);
    counts.count(running, -1);
    counts.count(done, 1);
    assert.deepEqual(Object.fromEntries(counts.rows()), { web: { unconfined: 0, "runtime-default": 0, "localhost-operator": 0, "localhost-other": 0 } });
    counts.count(done, -1);
    assert.deepEqual(Object.fromEntries(counts.rows()), {});
  });
});
