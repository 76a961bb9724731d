// Recording on a real node: a Deployment of two busybox replicas is recorded through the
// recorder (its kernel-log variant: this machine runs no auditd), the result is enforced, and
// a command the script never ran is denied.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { repoRoot } from "../../hack/generate-install.js";
import { BUSYBOX_IMAGE, describePods, OPERATOR_NAMESPACE, renderOverlay, useE2eCluster } from "../harness/e2e-cluster.js";
import { waitUntil } from "../harness/readiness.js";
import { createNamespaceIn } from "../harness/namespaces.js";
import { containerProfile } from "./helpers.js";

const GROUP = "seccomp.operator.dev";
const VERSION = "v1alpha1";

/**
 * Calls `cat` and `ls` as children every second, and a subshell that sleeps, then becomes
 * `uname` and exits: uname(2) is made only by that short-lived child, and its record is read
 * after it is gone. With RUN_DENIED set (only after recording) it also runs mkdir, never recorded.
 */
const SCRIPT = [
  "while true; do",
  "cat /etc/hostname >/dev/null",
  "ls / >/dev/null",
  "(sleep 0.2; exec uname -m) >/dev/null",
  'if [ -n "$RUN_DENIED" ]; then mkdir /tmp/denied 2>/dev/null && echo mkdir-allowed || echo mkdir-denied; fi',
  "echo tick",
  "sleep 1",
  "done",
].join("\n");

interface Recording {
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    containers?: { name: string; syscalls: number; pods: number; nodes: number; auditProfile: string; resultProfile?: string }[];
    resultProfiles?: string[];
    unattributed?: number;
    lost?: number;
  };
}

describe("e2e: recording a workload on a real node", function () {
  this.timeout(600_000);
  const cluster = useE2eCluster();

  it("records a 2-replica Deployment, children included, then runs it enforced with what it called; a command it never ran is denied", async function () {
    const c = cluster();
    for (const obj of await renderOverlay(join(repoRoot, "test", "e2e", "recording-overlay"))) await c.applier.apply(obj);
    let recorders: V1Pod[] = [];
    await waitUntil(
      async () => {
        recorders = await c.pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=recorder");
        return recorders.length === 1 && !!recorders[0]!.status?.containerStatuses?.[0]?.ready;
      },
      { what: "the recorder pod Ready", timeoutMs: 90_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${describePods(recorders)}`);
    });

    const namespace = await createNamespaceIn(c.kubeConfig(), "e2e-record-");
    const labels = { app: "recorded" };
    const deployment = (env: { name: string; value: string }[]) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "recorded", namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            automountServiceAccountToken: false,
            containers: [
              {
                name: "app",
                image: BUSYBOX_IMAGE,
                imagePullPolicy: "Never",
                command: ["/bin/sh", "-c", SCRIPT],
                env,
                securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    });
    await c.applier.apply(deployment([]));
    const started = Date.now();
    await c.applier.apply({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SeccompProfileRecording",
      metadata: { name: "rec", namespace },
      spec: { workloadRef: { kind: "Deployment", name: "recorded" }, switchToResult: true, quietAfterSeconds: 5 },
    });
    const read = async () => (await c.custom().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccompprofilerecordings", name: "rec" })) as Recording;
    const condition = (r: Recording, type: string) => r.status?.conditions?.find((x) => x.type === type);

    type Report = {
      spec: { nodeName: string; containers: { name: string; pods: number; records: number; unknown?: number; syscalls: { architecture: string; names: string[] }[] }[]; unattributed: number; lost: number; source: string };
    };
    type Profile = { metadata: { generation: number }; spec: { syscalls?: { names: string[]; action: string; args?: unknown[] }[] } };
    const readReports = async () => ((await c.custom().listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccomprecordingreports" })) as { items: Report[] }).items;
    const readAudit = async () => (await c.custom().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccompprofiles", name: "rec-app-audit" })) as Profile;
    const nodeEvents = (r: Report["spec"]) => r.containers.reduce((n, x) => n + x.records, 0) + r.unattributed + r.lost;

    // Quiet: every name recorded is let through unlogged by the audit profile, the workload has
    // rolled onto that version, and nothing new came for 25 s (five rate-limit intervals).
    let recording: Recording = {};
    let count = -1;
    let stableSince = Date.now();
    let unquiet: string[] = [];
    const untilQuiet = () =>
      waitUntil(
        async () => {
          recording = await read();
          const now = recording.status?.containers?.[0]?.syscalls ?? 0;
          if (now !== count) {
            count = now;
            stableSince = Date.now();
          }
          const [report] = await readReports();
          const quiet = new Set((await readAudit()).spec.syscalls?.filter((r) => r.action === "SCMP_ACT_ALLOW" && r.args === undefined).flatMap((r) => r.names));
          unquiet = (report?.spec.containers[0]?.syscalls ?? []).flatMap((x) => x.names).filter((n) => !quiet.has(n));
          const deployment = await c.apps().readNamespacedDeployment({ namespace, name: "recorded" });
          const rolled =
            deployment.status?.observedGeneration === deployment.metadata?.generation && deployment.status?.updatedReplicas === 2 && deployment.status?.replicas === 2 && deployment.status?.availableReplicas === 2;
          return condition(recording, "Recording")?.reason === "Recording" && count > 0 && unquiet.length === 0 && rolled && Date.now() - stableSince > 25_000;
        },
        { what: "the recording to stop finding new syscalls, all of them quiet", timeoutMs: 300_000, intervalMs: 1000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}: not quiet yet: ${unquiet.join(" ")}; ${JSON.stringify(recording.status)}`);
      });
    // Bounded: over 20 s in which no new name comes, the recorded pods, still looping, log
    // nothing. The kernel log drops most records, so a rare name may still come late: then the
    // window starts again once it is quiet too.
    let converged: Report | undefined;
    let report: Report["spec"] | undefined;
    let convergedMs = 0;
    let windows = 0;
    for (; windows < 4; windows++) {
      await untilQuiet();
      convergedMs = Date.now() - started;
      [converged] = await readReports();
      assert.ok(converged, "a report of the node");
      const version = (await readAudit()).metadata.generation;
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      const reports = await readReports();
      assert.equal(reports.length, 1, "one report: one node");
      report = reports[0]!.spec;
      const names = (r: Report["spec"]) => r.containers[0]!.syscalls.reduce((n, x) => n + x.names.length, 0);
      if (names(report) !== names(converged.spec)) continue;
      assert.equal((await readAudit()).metadata.generation, version, "no quiet round without a new name");
      assert.equal(report.containers[0]!.records, converged.spec.containers[0]!.records, `records of the recorded pods after every name went quiet: ${JSON.stringify(report)}`);
      break;
    }
    assert.ok(windows < 4, "four windows of 20 s each brought a new name");
    assert.equal(report!.source, "kernel-log");
    assert.ok(report!.containers[0]!.pods >= 2, `both replicas reported: ${JSON.stringify(report)}`);
    const audit = await readAudit();

    await c.custom().patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccompprofilerecordings", name: "rec", body: [{ op: "add", path: "/spec/stop", value: true }] });
    await waitUntil(async () => condition((recording = await read()), "Completed")?.status === "True", { what: "the recording Completed", timeoutMs: 60_000 }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(recording.status)}`);
    });
    assert.equal(condition(recording, "Completed")?.reason, "Completed", JSON.stringify(recording.status));
    assert.deepEqual(recording.status?.resultProfiles, ["rec-app"]);
    // The kernel log drops records past its rate limit: a node that lost some holds the move to
    // the result until a person approves it, with the token the SwitchHeld condition names.
    const held = condition(recording, "SwitchHeld");
    if (held?.status === "True") {
      assert.equal(held.reason, "LostRecords", JSON.stringify(recording.status));
      const token = /approve-switch=([0-9a-f]{16})/.exec(held.message)?.[1];
      assert.ok(token, held.message);
      const body = [{ op: "add", path: "/metadata/annotations", value: { [`${GROUP}/approve-switch`]: token } }];
      await c.custom().patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccompprofilerecordings", name: "rec", body });
      await waitUntil(async () => condition((recording = await read()), "SwitchHeld")?.reason === "Approved", { what: "the switch approved", timeoutMs: 60_000 });
    }

    const result = (await c.custom().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "seccompprofiles", name: "rec-app" })) as {
      metadata: { labels: Record<string, string> };
      spec: { defaultAction: string; syscalls: { names: string[]; action: string }[] };
    };
    assert.equal(result.metadata.labels[`${GROUP}/recording`], "rec");
    assert.equal(result.spec.defaultAction, "SCMP_ACT_ERRNO");
    const allowed = new Set(result.spec.syscalls.flatMap((r) => r.names));
    assert.ok(allowed.has("uname"), `the short-lived child's uname was recorded: ${[...allowed].join(" ")}`);
    for (const name of ["exit_group", "rt_sigreturn", "wait4", "getdents64"]) assert.ok(allowed.has(name), name);
    assert.ok(!allowed.has("mkdir") && !allowed.has("mkdirat"), "mkdir never ran");
    console.error(
      `recording: converged in ${Math.round(convergedMs / 1000)} s over ${audit.metadata.generation} audit profile versions; ${count} syscalls; ` +
        `records read ${report!.containers[0]!.records} (2 replicas), unattributed ${report!.unattributed}, lost on the node ${report!.lost}; ` +
        `audit events on the node ${Math.round(nodeEvents(converged!.spec) / (convergedMs / 1000))}/s while recording, ${((nodeEvents(report!) - nodeEvents(converged!.spec)) / 20).toFixed(1)}/s in the 20 s after, 0 of them from the recorded pods; ${windows + 1} window(s) of 20 s`,
    );

    // The workload moves to the result; with RUN_DENIED it runs mkdir, which it never ran.
    const profile = await c.waitForProfileReady(namespace, "rec-app", 60_000);
    const pinned = `operator/${namespace}/rec-app/${(profile.status as { hash: string }).hash}.json`;
    await c.applier.apply(deployment([{ name: "RUN_DENIED", value: "1" }]));
    let pods: V1Pod[] = [];
    await waitUntil(
      async () => {
        pods = (await c.pods(namespace, "app=recorded")).filter((p) => !p.metadata?.deletionTimestamp);
        return (
          pods.length === 2 &&
          pods.every((p) => containerProfile(p) === pinned && p.spec?.containers[0]?.env?.some((e) => e.name === "RUN_DENIED") && p.status?.phase === "Running")
        );
      },
      { what: `both replicas Running under ${pinned} with RUN_DENIED`, timeoutMs: 120_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${describePods(pods)}`);
    });
    for (const pod of pods) {
      let log = "";
      await waitUntil(
        async () => {
          log = await c.podLog(namespace, pod.metadata!.name!);
          return (log.match(/^tick$/gm) ?? []).length >= 3;
        },
        { what: `three loops of ${pod.metadata!.name} under the result`, timeoutMs: 30_000, intervalMs: 500 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; log: ${log}`);
      });
      assert.match(log, /^mkdir-denied$/m, log);
      assert.doesNotMatch(log, /mkdir-allowed/);
      assert.match(await c.containerProc(pod, "status"), /^Seccomp:\s+2$/m);
      const now = await c.core().readNamespacedPod({ namespace, name: pod.metadata!.name! });
      assert.equal(now.status?.containerStatuses?.[0]?.restartCount, 0, describePods([now]));
    }
  });
});
