// Recordings against a real API server, with the controller and an agent as processes: the
// audit profile is made, installed and gated, the workload annotated and patched; node reports
// (written here as a recorder writes them) are merged into the result; the workload moves back
// or on; the API refuses malformed recordings with the field and the reason.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_VERSION, RECORDING_KIND, RECORDING_REPORT_KIND } from "../../src/api/names.js";
import { NODE_RESOURCE, NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE, RECORDING_REPORT_RESOURCE, RECORDING_RESOURCE } from "../../src/api/resources.js";
import type { RecordingReportSpec } from "../../src/api/recording-report.js";
import type { RecordingStatus } from "../../src/api/profile-recording.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { createLogger } from "../../src/kube/logger.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { createRecorder } from "../../src/recorder/recorder.js";
import { lintSpec } from "../../src/profile/lint.js";
import { startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";

const DEPLOYMENTS = { group: "apps", version: "v1", plural: "deployments" };

interface Recording extends KubeObject {
  status?: RecordingStatus;
}
interface Profile extends KubeObject {
  spec: ProfileSpec;
}
interface Workload extends KubeObject {
  spec: { template: { spec: { containers: { name: string; securityContext?: { seccompProfile?: { type: string; localhostProfile?: string } } }[] } } };
}

describe("profile recordings (controller and agent as processes)", function () {
  this.timeout(180_000);
  const cp = useControlPlane();
  const node = "rec-node-1";
  let client: RestClient;
  let ns: string;
  let agent: AgentProcess;
  let controller: ControllerProcess;

  before(async function () {
    await prepareWorkloadCluster(cp(), [node]);
    client = new RestClient(cp().kubeConfig());
    agent = await startAgent(cp(), { nodeName: node });
    controller = await startController(cp(), { identity: "rec-controller", extraArgs: ["--agent-timeout=6"] });
    ns = await createNamespace(cp(), "recordings");
  });

  // The control plane is shared: other suites count nodes and their statuses.
  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
    await client.delete({ ...NODE_RESOURCE, name: node }).catch(() => undefined);
  });

  const deploy = (name: string) =>
    client.apply(
      { ...DEPLOYMENTS, namespace: ns, name },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "busybox", securityContext: { allowPrivilegeEscalation: false } }] } },
        },
      },
      { fieldManager: "test", force: true },
    );
  const record = (name: string, spec: object) =>
    client.apply({ ...RECORDING_RESOURCE, namespace: ns, name }, { apiVersion: API_VERSION, kind: RECORDING_KIND, metadata: { name, namespace: ns }, spec }, { fieldManager: "test", force: true });
  const recording = (name: string) => client.get<Recording>({ ...RECORDING_RESOURCE, namespace: ns, name });
  const condition = (r: Recording, type: string) => r.status?.conditions?.find((c) => c.type === type);
  const report = (recordingName: string, uid: string, nodeName: string, names: string[], extra: Partial<RecordingReportSpec> = {}) =>
    client.apply(
      { ...RECORDING_REPORT_RESOURCE, namespace: ns, name: `${recordingName}.${nodeName}` },
      {
        apiVersion: API_VERSION,
        kind: RECORDING_REPORT_KIND,
        metadata: { name: `${recordingName}.${nodeName}`, namespace: ns },
        spec: {
          recording: recordingName,
          recordingUID: uid,
          nodeName,
          source: "audit-log",
          containers: [{ name: "app", pods: 1, records: names.length * 10, syscalls: [{ architecture: "SCMP_ARCH_X86_64", names }] }],
          unattributed: 2,
          lost: 0,
          updateTime: "2026-01-01T00:00:00Z",
          ...extra,
        },
      },
      { fieldManager: "test", force: true },
    );

  it("runs the container under its audit profile, merges the nodes' reports into one lint-clean allowlist, and moves the workload back", async () => {
    await deploy("web");
    await record("rec", { workloadRef: { kind: "Deployment", name: "web" }, quietAfterSeconds: 0 });
    const audit = await eventually(() => client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name: "rec-app-audit" }), { timeoutMs: 30_000 });
    assert.equal(audit.spec.defaultAction, "SCMP_ACT_LOG");
    assert.equal(audit.metadata?.labels?.["seccomp.operator.dev/recording"], "rec");
    const running = await eventually(
      async () => {
        const r = await recording("rec");
        assert.equal(condition(r, "Recording")?.reason, "Recording", JSON.stringify(r.status));
        return r;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(condition(running, "Recording")?.observedGeneration, running.metadata?.generation);
    assert.deepEqual(running.metadata?.finalizers, ["seccomp.operator.dev/recording-result"]);
    const web = await client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name: "web" });
    assert.equal(web.metadata?.annotations?.["container.seccomp.operator.dev/app"], "rec-app-audit");
    assert.match(web.spec.template.spec.containers[0]!.securityContext?.seccompProfile?.localhostProfile ?? "", new RegExp(`^operator/${ns}/rec-app-audit/[a-f0-9]{64}\\.json$`));

    const uid = running.metadata!.uid!;
    await report("rec", uid, node, ["read", "uname", "write"]);
    await report("rec", uid, "rec-node-2", ["getdents64", "read"], { unattributed: 1, lost: 3 });
    // An earlier recording of the same name: left out.
    await report("rec", "another-uid", "rec-node-3", ["ptrace"]);
    const counted = await eventually(
      async () => {
        const r = await recording("rec");
        assert.equal(r.status?.containers?.[0]?.syscalls, 4, JSON.stringify(r.status));
        return r;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(counted.status?.containers?.[0], { name: "app", syscalls: 4, pods: 2, nodes: 2, auditProfile: "rec-app-audit" });
    assert.equal(counted.status?.unattributed, 3);
    assert.equal(counted.status?.lost, 3);

    await client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "rec" }, { spec: { stop: true } });
    const done = await eventually(
      async () => {
        const r = await recording("rec");
        assert.equal(condition(r, "Completed")?.status, "True", JSON.stringify(r.status));
        return r;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(done.status?.resultProfiles, ["rec-app"]);
    // Without switchToResult too: set after the end, it would wait for a person (rec-node-2 lost records).
    assert.deepEqual([condition(done, "SwitchHeld")?.status, condition(done, "SwitchHeld")?.reason], ["True", "LostRecords"]);
    const result = await client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name: "rec-app" });
    const allowed = result.spec.syscalls!.flatMap((r) => r.names);
    for (const name of ["read", "uname", "write", "getdents64", "exit_group", "rt_sigreturn", "execve"]) assert.ok(allowed.includes(name), name);
    assert.ok(!allowed.includes("ptrace"), "a report of another recording counts for nothing");
    assert.equal(result.spec.defaultAction, "SCMP_ACT_ERRNO");
    assert.deepEqual(lintSpec(result.spec).filter((d) => d.severity === "error"), []);
    assert.equal(result.metadata?.labels?.["seccomp.operator.dev/recording-role"], "result");

    // No switch: the annotation and the operator's fields go; the audit profile is deleted, and
    // stays (DeletionBlocked) while the ReplicaSet the Deployment keeps for rollback names it.
    await eventually(
      async () => {
        const w = await client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name: "web" });
        assert.equal(w.metadata?.annotations?.["container.seccomp.operator.dev/app"], undefined);
        assert.equal(w.spec.template.spec.containers[0]!.securityContext?.seccompProfile, undefined);
      },
      { timeoutMs: 30_000 },
    );
    await eventually(
      async () => {
        const left = await client.find<Profile & { status?: { conditions?: { type: string; reason: string; message: string }[] } }>({ ...PROFILE_RESOURCE, namespace: ns, name: "rec-app-audit" });
        if (left === undefined) return;
        assert.ok(left.metadata?.deletionTimestamp, "the audit profile's deletion was asked for");
        const ready = left.status?.conditions?.find((c) => c.type === "Ready");
        assert.equal(ready?.reason, "DeletionBlocked", JSON.stringify(left.status?.conditions));
        assert.match(ready!.message, /ReplicaSet/);
      },
      { timeoutMs: 60_000 },
    );
  });

  it("with the result as base records only what it lacks, and switches the workload to the new result", async () => {
    await deploy("web2");
    await record("again", { workloadRef: { kind: "Deployment", name: "web2" }, baseProfileName: "rec-app", switchToResult: true, quietAfterSeconds: 0 });
    const audit = await eventually(() => client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name: "again-app-audit" }), { timeoutMs: 30_000 });
    const quiet = audit.spec.syscalls!.filter((r) => r.action === "SCMP_ACT_ALLOW").flatMap((r) => r.names);
    assert.ok(quiet.includes("uname") && quiet.includes("getdents64"), "what the base allows is not logged");
    const r = await eventually(
      async () => {
        const x = await recording("again");
        assert.equal(condition(x, "Recording")?.status, "True", JSON.stringify(x.status));
        return x;
      },
      { timeoutMs: 60_000 },
    );
    await report("again", r.metadata!.uid!, node, ["mkdirat"]);
    await eventually(async () => assert.equal((await recording("again")).status?.containers?.[0]?.syscalls, 1), { timeoutMs: 30_000 });
    await client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "again" }, { spec: { stop: true } });
    await eventually(async () => assert.equal(condition(await recording("again"), "Completed")?.status, "True"), { timeoutMs: 30_000 });
    const result = await client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name: "again-app" });
    assert.equal(result.spec.baseProfileName, "rec-app");
    assert.deepEqual(result.spec.syscalls, [{ names: ["mkdirat"], action: "SCMP_ACT_ALLOW" }]);
    await eventually(
      async () => {
        const w = await client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name: "web2" });
        assert.equal(w.metadata?.annotations?.["container.seccomp.operator.dev/app"], "again-app");
        assert.match(w.spec.template.spec.containers[0]!.securityContext?.seccompProfile?.localhostProfile ?? "", new RegExp(`^operator/${ns}/again-app/[a-f0-9]{64}\\.json$`));
      },
      { timeoutMs: 60_000 },
    );
  });

  it("a result that lost records or allows a dangerous call does not switch by itself: it waits for a person's approval", async () => {
    await deploy("web3");
    await record("risky", { workloadRef: { kind: "Deployment", name: "web3" }, switchToResult: true, quietAfterSeconds: 0 });
    const r = await eventually(
      async () => {
        const x = await recording("risky");
        assert.equal(condition(x, "Recording")?.status, "True", JSON.stringify(x.status));
        return x;
      },
      { timeoutMs: 60_000 },
    );
    // What forged audit records would have added to another tenant's recording, on a node that also lost records.
    await report("risky", r.metadata!.uid!, node, ["mount", "ptrace", "read"], { lost: 4 });
    await eventually(async () => assert.equal((await recording("risky")).status?.containers?.[0]?.syscalls, 3), { timeoutMs: 30_000 });
    await client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "risky" }, { spec: { stop: true } });
    const done = await eventually(
      async () => {
        const x = await recording("risky");
        assert.equal(condition(x, "Completed")?.status, "True", JSON.stringify(x.status));
        return x;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(done.status?.resultProfiles, ["risky-app"], "the result is written");
    const held = condition(done, "SwitchHeld");
    assert.equal(held?.status, "True", JSON.stringify(done.status));
    assert.equal(held?.reason, "DangerousSyscalls");
    assert.match(held!.message, /risky-app allows mount, ptrace \(SCP002\)/);
    assert.match(held!.message, /4 audit records were lost on rec-node-1/);
    const token = /approve-switch=([0-9a-f]{16})/.exec(held!.message)?.[1];
    assert.ok(token, held!.message);
    await eventually(
      async () => {
        const events = await client.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>({ group: "events.k8s.io", version: "v1", plural: "events", namespace: ns });
        const event = events.items.find((e) => e.regarding?.name === "risky" && e.reason === "SwitchHeld");
        assert.ok(event?.note?.includes(token!), JSON.stringify(events.items.map((e) => [e.reason, e.note])));
      },
      { timeoutMs: 30_000 },
    );
    // Held: the workload goes back to what it ran before.
    await eventually(
      async () => {
        const w = await client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name: "web3" });
        assert.equal(w.metadata?.annotations?.["container.seccomp.operator.dev/app"], undefined);
        assert.equal(w.spec.template.spec.containers[0]!.securityContext?.seccompProfile, undefined);
      },
      { timeoutMs: 30_000 },
    );
    // An approval that is not this completion's token approves nothing.
    await client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "risky" }, { metadata: { annotations: { "seccomp.operator.dev/approve-switch": "true" } } });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(condition(await recording("risky"), "SwitchHeld")?.status, "True");
    await client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "risky" }, { metadata: { annotations: { "seccomp.operator.dev/approve-switch": token } } });
    await eventually(
      async () => {
        const w = await client.get<Workload>({ ...DEPLOYMENTS, namespace: ns, name: "web3" });
        assert.equal(w.metadata?.annotations?.["container.seccomp.operator.dev/app"], "risky-app");
      },
      { timeoutMs: 60_000 },
    );
    const approved = condition(await recording("risky"), "SwitchHeld");
    assert.deepEqual([approved?.status, approved?.reason], ["False", "Approved"]);
  });

  it("the API refuses a recording of both a workload and a selector, a bad duration, a restart, naming the field", async () => {
    const refused = async (spec: object, pattern: RegExp) => {
      await assert.rejects(record(`bad-${Math.random().toString(36).slice(2, 8)}`, spec), (err: Error) => {
        assert.match(err.message, pattern);
        return true;
      });
    };
    await refused({ workloadRef: { kind: "Deployment", name: "web" }, podSelector: { matchLabels: { app: "web" } } }, /exactly one of workloadRef and podSelector/);
    await refused({ workloadRef: { kind: "Deployment", name: "web" }, duration: "ten minutes" }, /spec\.duration/);
    await refused({ workloadRef: { kind: "Job", name: "web" } }, /spec\.workloadRef\.kind/);
    await assert.rejects(
      client.mergePatch({ ...RECORDING_RESOURCE, namespace: ns, name: "rec" }, { spec: { stop: false } }),
      /a stopped recording cannot start again/,
    );
  });
});

// The recorder on a node against many tenants: a thousand recordings of Deployments with no pods
// here, one noisy recorded container, a serial gap at every burst, and another tenant's processes
// that exit before they are seen. Writes are counted on the API server and by the recorder.
describe("the recorder's writes and what its reports say (recorder and a real API server)", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  const node = "rec-writes-node";
  const ID = "3f5c0a0e6f1d4b2a9c8e7d6c5b4a39281706f5e4d3c2b1a0918273645546372a";
  const RECORDINGS = 1000;
  let client: RestClient;
  let quietNs: string;
  let noisyNs: string;
  let dir: string;

  before(async () => {
    await prepareWorkloadCluster(cp(), []);
    client = new RestClient(cp().kubeConfig());
    quietNs = await createNamespace(cp(), "recorder-quiet");
    noisyNs = await createNamespace(cp(), "recorder-noisy");
    dir = mkdtempSync(join(tmpdir(), "recorder-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const running = (namespace: string, name: string) => ({
    apiVersion: API_VERSION,
    kind: RECORDING_KIND,
    metadata: { name, namespace },
    status: {
      conditions: [{ type: "Recording", status: "True", reason: "Recording", message: "recording", lastTransitionTime: "2026-01-01T00:00:00Z" }],
      containers: [{ name: "app", syscalls: 0, pods: 0, nodes: 0, auditProfile: `${name}-app-audit` }],
    },
  });
  const createRunning = async (namespace: string, name: string) => {
    await client.apply({ ...RECORDING_RESOURCE, namespace, name }, { apiVersion: API_VERSION, kind: RECORDING_KIND, metadata: { name, namespace }, spec: { workloadRef: { kind: "Deployment", name } } }, { fieldManager: "test", force: true });
    await client.apply({ ...RECORDING_RESOURCE, namespace, name, subresource: "status" }, running(namespace, name), { fieldManager: "test", force: true });
  };

  it("reports only the recordings with containers on its node, at a bounded rate, with no other tenant's process names", async () => {
    for (let i = 0; i < RECORDINGS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => createRunning(quietNs, `idle-${i + j}`)));
    // Five recorded containers on the node, each in its pod; at most two report writes per interval.
    const NOISY = 5;
    const idOf = (i: number) => `${ID.slice(0, -1)}${i}`;
    const proc = join(dir, "proc");
    for (let i = 0; i < NOISY; i++) {
      await createRunning(noisyNs, `noisy-${i}`);
      const pod = await client.create<KubeObject>(
        { ...POD_RESOURCE, namespace: noisyNs },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `noisy-${i}`, namespace: noisyNs },
          spec: {
            nodeName: node,
            containers: [{ name: "app", image: "busybox", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: `operator/${noisyNs}/noisy-${i}-app-audit/${"a".repeat(64)}.json` } } }],
          },
        } as KubeObject,
      );
      await client.mergePatch(
        { ...POD_RESOURCE, namespace: noisyNs, name: `noisy-${i}`, subresource: "status" },
        { status: { phase: "Running", containerStatuses: [{ name: "app", image: "busybox", imageID: "", ready: true, restartCount: 0, containerID: `containerd://${idOf(i)}`, state: { running: {} } }] } },
      );
      mkdirSync(join(proc, String(4242 + i)), { recursive: true });
      writeFileSync(join(proc, String(4242 + i), "cgroup"), `0::/kubepods.slice/kubepods-pod${pod.metadata!.uid}.slice/cri-containerd-${idOf(i)}.scope\n`);
    }
    const log = join(dir, "audit.log");
    writeFileSync(log, "");
    const recorder = createRecorder({
      nodeName: node,
      kubeConfig: cp().kubeConfig(),
      logger: createLogger("recorder", "silent"),
      healthHost: "127.0.0.1",
      healthPort: 0,
      metrics: { host: "127.0.0.1", port: 0, auth: "kubernetes" },
      source: "audit-log",
      auditLogPath: log,
      procRoot: proc,
      pollMs: 20,
      reportIntervalMs: 300,
      maxReportWrites: 2,
    });
    await recorder.start();
    const started = performance.now();
    let serial = 1000;
    const line = (pid: number, comm: string, syscall: number) =>
      `type=SECCOMP msg=audit(1796125719.195:${serial++}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=${pid} comm="${comm}" exe="/bin/${comm}" sig=0 arch=c000003e syscall=${syscall} compat=0 ip=0x7f04a2e89ad7 code=0x7ffc0000\n`;
    try {
      for (let burst = 0; burst < 10; burst++) {
        // The noisy container's calls, another tenant's process gone unseen, then a gap.
        for (let i = 0; i < NOISY; i++) appendFileSync(log, line(4242 + i, "noisy", 39) + line(4242 + i, "noisy", 63 + burst));
        appendFileSync(log, line(9999, "tenant-c-secret", 165));
        serial += 5;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await recorder.stop();
    }
    const intervals = Math.ceil((performance.now() - started) / 300);
    const writes = (await recorder.registry.getSingleMetric("seccomp_recorder_report_writes_total")!.get()).values.reduce((n, v) => n + v.value, 0);
    const quiet = await client.list({ ...RECORDING_REPORT_RESOURCE, namespace: quietNs });
    assert.equal(quiet.items.length, 0, `${quiet.items.length} reports of recordings with nothing on the node (${writes} writes in ${intervals} intervals)`);
    // Each interval at most two, and the last records of each at stop.
    assert.ok(writes <= 2 * intervals + NOISY, `${writes} report writes in ${intervals} intervals`);
    for (let i = 0; i < NOISY; i++) {
      const noisy = await client.get<KubeObject & { spec: RecordingReportSpec }>({ ...RECORDING_REPORT_RESOURCE, namespace: noisyNs, name: `noisy-${i}.${node}` });
      // getpid (39), then uname (63) to fcntl (72): every call, none starved by the bound.
      assert.deepEqual(noisy.spec.containers[0]!.syscalls[0]!.names, ["fcntl", "getpid", "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "shmdt", "uname"], JSON.stringify(noisy.spec));
      assert.ok(noisy.spec.lost >= 45, JSON.stringify(noisy.spec));
      assert.equal(noisy.spec.unattributed, 10);
      assert.ok(!JSON.stringify(noisy).includes("tenant-c-secret"), "a process of unknown namespace is counted, not named");
    }
  });
});
