import assert from "node:assert/strict";
import { podSeccompShape } from "../../src/api/pod-seccomp.js";
import { startFailureFindings } from "../../src/controller/profiles/start-failure-findings.js";
import { StartFailureIndex } from "../../src/controller/profiles/start-failure-index.js";
import { startFailuresOf } from "../../src/controller/profiles/start-failures.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { missingRuntimeNeeds } from "../../src/profile/runtime-gaps.js";
import { renderSpec } from "../render-spec.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);
// What containerd 1.6 and runc 1.1 report when runc init dies after loading the filter.
const START_ERROR =
  "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: open exec fifo /proc/self/fd/5: function not implemented: unknown";
const MISSING_FILE =
  'failed to generate security options for container "app": failed to generate seccomp spec opts: cannot load seccomp profile "/var/lib/kubelet/seccomp/operator/shop/web/1111.json": open /var/lib/kubelet/seccomp/operator/shop/web/1111.json: no such file or directory';

interface ContainerOpts {
  name?: string;
  path?: string;
  escalation?: boolean;
  privileged?: boolean;
}

function pod(namespace: string, containers: ContainerOpts[], statuses: object[], podPath?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name: "web-1", uid: "u", resourceVersion: "7", labels: { big: "x".repeat(100) } },
    spec: {
      nodeName: "node-a",
      ...(podPath === undefined ? {} : { securityContext: { seccompProfile: { type: "Localhost", localhostProfile: podPath } } }),
      containers: containers.map((c) => ({
        name: c.name ?? "app",
        image: "busybox",
        securityContext: {
          ...(c.path === undefined ? {} : { seccompProfile: { type: "Localhost", localhostProfile: c.path } }),
          ...(c.escalation === undefined ? {} : { allowPrivilegeEscalation: c.escalation }),
          ...(c.privileged === undefined ? {} : { privileged: c.privileged }),
        },
      })),
    },
    status: { phase: "Running", containerStatuses: statuses },
  } as KubeObject;
}

const startError = (name = "app") => ({
  name,
  restartCount: 2,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 20s restarting failed container" } },
  lastState: { terminated: { reason: "StartError", exitCode: 128, message: START_ERROR } },
});
const running = (name = "app") => ({ name, restartCount: 0, state: { running: { startedAt: "2026-12-01T00:00:00Z" } } });

describe("controller: containers a profile stopped from running", () => {
  it("keeps only failed containers' states in the pod cache, with long messages cut", () => {
    const shaped = podSeccompShape(
      pod("shop", [{ path: `operator/shop/web/${H1}.json`, escalation: false }], [
        startError(),
        running("sidecar"),
        { name: "long", state: { waiting: { reason: "CreateContainerError", message: "m".repeat(5000) } } },
      ]),
    );
    const statuses = (shaped.status as { containerStatuses: { name: string; state?: { waiting?: { message?: string } } }[] }).containerStatuses;
    assert.deepEqual(statuses.map((s) => s.name), ["app", "long"]);
    assert.equal(statuses[1]!.state!.waiting!.message!.length, 1024);
    assert.equal((shaped.metadata as { labels?: unknown }).labels, undefined);
    assert.equal((shaped.spec as { nodeName?: string }).nodeName, "node-a");
  });

  it("attributes a StartError to the pinned profile the container ran under, with noNewPrivileges", () => {
    const failures = startFailuresOf(podSeccompShape(pod("shop", [{ path: `operator/shop/web/${H1}.json`, escalation: false }], [startError()])), "seccomp-catalogue");
    assert.equal(failures.length, 1);
    assert.deepEqual({ ...failures[0], detail: undefined }, {
      pod: "shop/web-1",
      node: "node-a",
      container: "app",
      profile: "shop/web",
      hash: H1,
      kind: "start-failed",
      detail: undefined,
      noNewPrivileges: true,
    });
    assert.match(failures[0]!.detail, /^StartError: .*open exec fifo/);
  });

  it("tells a profile the runtime could not load, and a process killed by SIGSYS; ignores unrelated failures", () => {
    const shaped = podSeccompShape(
      pod(
        "shop",
        [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }],
        [
          { name: "a", state: { waiting: { reason: "CreateContainerError", message: MISSING_FILE } } },
          { name: "b", state: { running: {} }, lastState: { terminated: { reason: "Error", exitCode: 159 } } },
          { name: "c", state: { waiting: { reason: "CreateContainerError", message: 'failed to get image "busybox": not found' } } },
          { name: "d", state: { terminated: { reason: "Error", exitCode: 1 } } },
        ],
        "operator/shop/web.json",
      ),
    );
    const failures = startFailuresOf(shaped, "seccomp-catalogue");
    assert.deepEqual(failures.map((f) => [f.container, f.kind, f.profile, f.hash]), [
      ["a", "unloadable", "shop/web", undefined],
      ["b", "killed", "shop/web", undefined],
    ]);
  });

  it("counts only profiles the pod may use: its own namespace's and the catalogue's; never privileged containers", () => {
    const of = (ns: string, c: ContainerOpts) => startFailuresOf(podSeccompShape(pod(ns, [c], [startError()])), "seccomp-catalogue");
    assert.deepEqual(of("tenant-b", { path: `operator/shop/web/${H1}.json` }), []);
    assert.equal(of("tenant-b", { path: `operator/seccomp-catalogue/base/${H1}.json` })[0]?.profile, "seccomp-catalogue/base");
    assert.deepEqual(of("shop", { path: `operator/shop/web/${H1}.json`, privileged: true }), []);
    assert.deepEqual(of("shop", { path: "my-own/profile.json" }), []);
  });

  it("names what runc needs and the profile lacks, for each value of noNewPrivileges", () => {
    const allowlist = renderSpec({
      defaultAction: "SCMP_ACT_ERRNO",
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [{ names: ["exit_group", "exit", "rt_sigreturn", "write", "close", "futex"], action: "SCMP_ACT_ALLOW" }],
    }).document;
    const strict = missingRuntimeNeeds(allowlist, "runc", true);
    assert.ok(strict.includes("execve") && strict.includes("openat") && strict.includes("fstatfs"));
    assert.ok(!strict.includes("write") && !strict.includes("close") && !strict.includes("setuid"));
    const loose = missingRuntimeNeeds(allowlist, "runc", false);
    assert.ok(loose.includes("setuid") && loose.includes("capset") && loose.includes("getcwd"));
    const blocklist = renderSpec({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["execve", "mount"], action: "SCMP_ACT_ERRNO" }] }).document;
    assert.deepEqual(missingRuntimeNeeds(blocklist, "runc", true), ["execve"]);
  });

  it("writes findings that name the pod, the container and the missing calls, capped with a count", () => {
    const current = renderSpec({
      defaultAction: "SCMP_ACT_ERRNO",
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [{ names: ["exit_group", "exit", "rt_sigreturn"], action: "SCMP_ACT_ALLOW" }],
    });
    const failure = startFailuresOf(podSeccompShape(pod("shop", [{ path: `operator/shop/web/${H2}.json`, escalation: false }], [startError()])), "c")[0]!;
    const [finding] = startFailureFindings([failure], { hash: current.hash, document: current.document });
    assert.equal(finding!.rule, "container-start-failed");
    assert.match(finding!.message, /^Pod shop\/web-1 on node node-a, container app: failed to start under this profile \(an older version, 222222222222\): StartError/);
    assert.match(finding!.hint!, /allowPrivilegeEscalation: false.*: close, .*execve, fstatfs, .*openat/);

    const many = startFailureFindings(Array.from({ length: 25 }, (_, i) => ({ ...failure, container: `c${i}` })), undefined);
    assert.equal(many.length, 11);
    assert.match(many[10]!.message, /^15 more container\(s\)/);
    assert.ok(many.every((f) => f.message.length <= 4096));
  });

  it("indexes failures by profile and forgets a pod that recovered or went", () => {
    const index = new StartFailureIndex();
    const failure = startFailuresOf(podSeccompShape(pod("shop", [{ path: `operator/shop/web/${H1}.json` }], [startError()])), "c");
    assert.deepEqual([...index.setPod("shop/web-1", failure)], ["shop/web"]);
    assert.deepEqual([...index.setPod("shop/web-1", failure)], [], "no change, no requeue");
    assert.equal(index.failuresOf("shop/web").length, 1);
    assert.deepEqual([...index.setPod("shop/web-1", [])], ["shop/web"]);
    assert.deepEqual(index.failuresOf("shop/web"), []);
  });
});
