import assert from "node:assert/strict";
import { buildReport, failsAt, formatReportTable, ownerOf, type Owner } from "../../src/cli/cluster-report.js";
import { programName, reportCommand } from "../../src/cli/cluster-report-command.js";
import { UsageError } from "../../src/cli/exit-codes.js";
import type { KubeObject } from "../../src/kube/objects.js";

const H1 = "1".repeat(64);
const H2 = "2".repeat(64);

function pod(namespace: string, name: string, containers: object[], extra: { owner?: { kind: string; name: string; uid: string }; spec?: object; phase?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      ...(extra.owner ? { ownerReferences: [{ apiVersion: "apps/v1", ...extra.owner, controller: true }] } : {}),
    },
    spec: { containers, ...extra.spec },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  };
}
const localhost = (path: string) => ({ securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: "Localhost", localhostProfile: path } } });

const rs = { kind: "ReplicaSet", name: "web-5d8f", uid: "rs-1" };
const pods = [
  pod("shop", "web-5d8f-a", [{ name: "app", ...localhost(`operator/shop/web/${H1}.json`) }], { owner: rs }),
  pod("shop", "web-5d8f-b", [{ name: "app", ...localhost(`operator/shop/web/${H2}.json`) }], { owner: rs }),
  pod("shop", "cache-0", [{ name: "redis", ...localhost("operator/seccomp-catalogue/go-runtime.json") }], { owner: { kind: "StatefulSet", name: "cache", uid: "ss-1" } }),
  pod("ops", "debug", [{ name: "sh", securityContext: { privileged: true } }]),
  pod("ops", "agent", [{ name: "a", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, { name: "b", ...localhost("custom/audit.json") }]),
  pod("ops", "done", [{ name: "c" }], { phase: "Succeeded" }),
  pod("win", "iis", [{ name: "web" }], { spec: { os: { name: "windows" } } }),
  pod("legacy", "old", [{ name: "ghost", ...localhost("operator/legacy/gone.json") }]),
];
const owners = new Map<string, Owner>([["rs-1", { kind: "Deployment", name: "web" }]]);
const profiles = new Map<string, { hash?: string } | null>([
  ["shop/web", { hash: H2 }],
  ["seccomp-catalogue/go-runtime", { hash: H1 }],
  ["legacy/gone", null],
]);
const report = buildReport({ pods, owners, profiles: (ns, name) => profiles.get(`${ns}/${name}`) });
const ns = (name: string) => report.namespaces.find((n) => n.namespace === name)!;

describe("cli: cluster report", () => {
  it("groups pods by namespace and by the workload above their ReplicaSet", () => {
    assert.deepEqual(report.namespaces.map((n) => n.namespace), ["legacy", "ops", "shop", "win"]);
    assert.deepEqual(ns("shop").workloads.map((w) => `${w.kind}/${w.name} ${w.pods}`), ["Deployment/web 2", "StatefulSet/cache 1"]);
    assert.deepEqual(ns("ops").workloads.map((w) => `${w.kind}/${w.name}`), ["Pod/agent", "Pod/debug", "Pod/done"]);
    // Without the ReplicaSet's owner (not readable), the ReplicaSet itself.
    assert.deepEqual(ownerOf(pods[0]!, new Map()), { kind: "ReplicaSet", name: "web-5d8f" });
  });

  it("tells whether an operator profile is current: pinned at the profile's hash, stable always, missing never", () => {
    const app = ns("shop").workloads[0]!.containers;
    assert.deepEqual(app.map((c) => [c.pod, c.hash, c.current]), [
      ["web-5d8f-a", H1, false],
      ["web-5d8f-b", H2, true],
    ]);
    assert.match(app[0]!.note ?? "", /now at 222222222222/);
    const redis = ns("shop").workloads[1]!.containers[0]!;
    assert.deepEqual([redis.hash, redis.current], [H1, true]);
    const ghost = ns("legacy").workloads[0]!.containers[0]!;
    assert.equal(ghost.current, false);
    assert.match(ghost.note ?? "", /SeccompProfile legacy\/gone does not exist/);
    const unknown = buildReport({ pods: [pods[0]!], owners, profiles: () => undefined }).namespaces[0]!.workloads[0]!.containers[0]!;
    assert.equal(unknown.current, undefined);
    assert.match(unknown.note ?? "", /could not be read/);
  });

  it("counts per namespace and in total, and gives one verdict per namespace", () => {
    assert.deepEqual(
      report.namespaces.map((n) => `${n.namespace}: ${n.verdict.level}: ${n.verdict.text}`),
      [
        "legacy: localhost: every container runs a Localhost profile (1), 1 not at its profile's current version",
        "ops: unconfined: 1 of 3 containers run unconfined (1 privileged)",
        "shop: localhost: every container runs a Localhost profile (3), 1 not at its profile's current version",
        "win: empty: no container seccomp applies to",
      ],
    );
    const t = report.totals;
    assert.deepEqual(
      [t.pods, t.containers, t.unconfined, t["runtime-default"], t["localhost-operator"], t["localhost-other"], t.privileged, t.allowPrivilegeEscalation, t.notCurrent, t.ignoredPods],
      [8, 7, 1, 1, 4, 1, 1, 2, 2, 2],
    );
    assert.deepEqual(ns("ops").workloads.find((w) => w.name === "done")!.ignored, [{ pod: "done", reason: "Succeeded: runs no container" }]);
    assert.match(report.notes.join("\n"), /2 pods ignored/);
  });

  it("--fail-on fails at or below the level", () => {
    assert.equal(failsAt(report, "unconfined"), true);
    assert.equal(failsAt(report, "runtime-default"), true);
    const confined = buildReport({ pods: pods.filter((p) => p.metadata?.namespace !== "ops"), owners, profiles: (n, m) => profiles.get(`${n}/${m}`) });
    assert.equal(failsAt(confined, "unconfined"), false);
    assert.equal(failsAt(confined, "runtime-default"), false);
    const runtimeDefault = buildReport({ pods: [pod("a", "p", [{ name: "c", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }])], owners, profiles: () => undefined });
    assert.equal(failsAt(runtimeDefault, "unconfined"), false);
    assert.equal(failsAt(runtimeDefault, "runtime-default"), true);
  });

  it("the table has a row per container, the ignored pods, a verdict per namespace and the totals", () => {
    const text = formatReportTable(report);
    assert.match(text, /^NAMESPACE ops$/m);
    assert.match(text, /^ {2}Pod\/debug +debug +sh +container +privileged +yes +yes +no +Unconfined \(privileged\)$/m);
    assert.match(text, /^ {2}Deployment\/web +web-5d8f-a +app +container +container +no +no +no +operator shop\/web@111111111111 NOT CURRENT \(the profile is now at 222222222222\)$/m);
    assert.match(text, /^ {2}Pod\/agent +agent +b +container +container +no +no +no +Localhost custom\/audit\.json$/m);
    assert.match(text, /^ {2}ignored Pod\/iis pod iis: Windows pod: seccomp does not apply$/m);
    assert.match(text, /^ {2}verdict ops: unconfined: 1 of 3 containers run unconfined \(1 privileged\)$/m);
    assert.match(text, /^TOTAL 4 namespaces, 7 containers in 8 pods: 1 unconfined, 1 RuntimeDefault, 4 operator profiles \(2 not current\), 1 other Localhost; 1 privileged, 2 allow privilege escalation; 2 pods ignored$/m);
  });

  it("marks the containers that asked for a profile by annotation (the pod's or its Job's) and run without the operator's", () => {
    const asking = (p: KubeObject, annotations: Record<string, string>) => ({ ...p, metadata: { ...p.metadata, annotations } });
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "nightly", namespace: "batch", uid: "job-1", annotations: { "seccomp.operator.dev/profile": "web" } } };
    const asked = buildReport({
      pods: [
        asking(pod("batch", "bare", [{ name: "app" }, { name: "side", ...localhost(`operator/batch/side/${H1}.json`) }]), { "seccomp.operator.dev/profile": "web" }),
        asking(pod("batch", "one", [{ name: "app" }, { name: "other" }]), { "container.seccomp.operator.dev/app": "web" }),
        pod("batch", "nightly-x", [{ name: "run", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }], { owner: { kind: "Job", name: "nightly", uid: "job-1" } }),
        pod("batch", "unasked", [{ name: "app" }]),
      ],
      owners: new Map(),
      jobs: new Map([["job-1", job]]),
      profiles: () => ({ hash: H1 }),
    });
    const rows = asked.namespaces[0]!.workloads.flatMap((w) => w.containers.map((c) => `${c.pod}/${c.name} ${c.profileNotApplied === true}`)).sort();
    assert.deepEqual(rows, ["bare/app true", "bare/side false", "nightly-x/run true", "one/app true", "one/other false", "unasked/app false"]);
    assert.equal(asked.totals.profileNotApplied, 3);
    const text = formatReportTable(asked);
    assert.match(text, /^ {2}Pod\/bare +bare +app +container +default +no +yes +yes +Unconfined \(unset\)$/m);
    assert.match(text, /3 asked for a profile and run without it/);
    assert.match(text, /^note: NOT APPLIED: .*recreate it$/m);
  });

  it("refuses contradictory or unknown flags before it reads a cluster", async () => {
    const io = { stdout: () => undefined, stderr: () => undefined };
    const refused = (args: string[], message: RegExp) => assert.rejects(reportCommand(args, io), (e: Error) => e instanceof UsageError && message.test(e.message));
    await refused(["-n", "a", "-A"], /^--namespace and --all-namespaces exclude each other$/);
    await refused(["-o", "yaml"], /^--output must be table or json, not "yaml"$/);
    await refused(["--fail-on", "privileged"], /^--fail-on must be unconfined or runtime-default, not "privileged"$/);
    await refused(["pods"], /^report takes no arguments, got pods$/);
  });

  it("speaks of `kubectl seccomp` when run as the kubectl plugin", () => {
    assert.equal(programName("/usr/local/bin/kubectl-seccomp"), "kubectl seccomp");
    assert.equal(programName("/app/dist/cli/main.js"), "seccomp-operator");
  });
});
