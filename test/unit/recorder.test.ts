import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSeccompAuditRecord } from "../../src/profile/seccomp-audit-record.js";
import { lintSpec } from "../../src/profile/lint.js";
import { recordedSpec } from "../../src/profile/recorded-profile.js";
import { recordingAuditSpec } from "../../src/profile/recording-audit-profile.js";
import { AuditLogTail } from "../../src/recorder/audit-log-tail.js";
import { AuditRecordProcessor } from "../../src/recorder/audit-record-processor.js";
import { containerIdOfCgroup, containerIdOfStatus } from "../../src/recorder/cgroup-container.js";
import { parseKernelLogRecord } from "../../src/recorder/kernel-log.js";
import { ProcessAttribution, type Attribution } from "../../src/recorder/process-attribution.js";
import { recordedTargets, type RecordedTarget } from "../../src/recorder/recording-targets.js";
import { RecordingTally } from "../../src/recorder/recording-tally.js";
import type { SeccompProfileRecording } from "../../src/api/profile-recording.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "audit");
const auditdLines = readFileSync(join(FIXTURES, "auditd-enriched.txt"), "utf8").split("\n").filter(Boolean);
const kmsgLines = readFileSync(join(FIXTURES, "kmsg.raw"), "utf8").split("\n").filter(Boolean);
const ID = "3f5c0a0e6f1d4b2a9c8e7d6c5b4a39281706f5e4d3c2b1a0918273645546372a";

describe("seccomp audit records captured on a real machine", () => {
  it("auditd's enriched log: x86_64 and compat i386 calls by name, the \\x1d-separated interpretations ignored", () => {
    const records = auditdLines.map(parseSeccompAuditRecord).filter((r) => r !== undefined);
    assert.equal(records.length, 23, "every type=SECCOMP line, and only those");
    assert.ok(auditdLines.some((l) => l.includes("\x1dAUID=")), "the fixture keeps auditd's separator");
    const i386 = records.filter((r) => r.comm === "hello32");
    assert.deepEqual(
      i386.map((r) => [r.architecture, r.syscall, r.auditArch.toString(16), r.action]),
      [
        ["SCMP_ARCH_X86", "write", "40000003", "SCMP_ACT_LOG"],
        ["SCMP_ARCH_X86", "exit", "40000003", "SCMP_ACT_LOG"],
      ],
    );
    const busybox = new Set(records.filter((r) => r.comm === "busybox").map((r) => `${r.architecture}/${r.syscall}`));
    for (const name of ["brk", "arch_prctl", "set_tid_address", "uname", "write", "exit_group"]) assert.ok(busybox.has(`SCMP_ARCH_X86_64/${name}`), name);
    assert.deepEqual(
      records.map((r) => r.serial),
      Array.from({ length: 23 }, (_, i) => 23487 + i),
    );
  });

  it("the kernel log from /dev/kmsg: the same fields, the compat ABI, and the suppressed-callbacks line is no record", () => {
    const entries = kmsgLines.map(parseKernelLogRecord);
    assert.ok(entries.every((e) => Number.isInteger(e.seq) && e.timestampUs > 0));
    const records = entries.map((e) => parseSeccompAuditRecord(e.message));
    assert.equal(records.filter((r) => r !== undefined).length, 15);
    assert.equal(records[entries.findIndex((e) => e.message.includes("callbacks suppressed"))], undefined);
    const i386 = records.filter((r) => r?.comm === "hello32").map((r) => r!.syscall);
    assert.deepEqual(i386, ["write", "exit"]);
    assert.ok(records.some((r) => r?.architecture === "SCMP_ARCH_X86_64" && r.syscall === "execve"));
  });

  it("big-endian arch values (constructed lines: this machine is x86_64) and an unknown one", () => {
    const s390x = parseSeccompAuditRecord("audit: type=1326 audit(1.2:3): auid=0 uid=0 gid=0 ses=1 pid=7 comm=\"a\" exe=\"/a\" sig=0 arch=80000016 syscall=1 compat=0 ip=0x1 code=0x7ffc0000")!;
    assert.deepEqual([s390x.architecture, s390x.syscall], ["SCMP_ARCH_S390X", "exit"]);
    const aarch64 = parseSeccompAuditRecord("audit: type=1326 audit(1.2:4): auid=0 uid=0 gid=0 ses=1 pid=7 comm=\"a\" exe=\"/a\" sig=0 arch=c00000b7 syscall=64 compat=0 ip=0x1 code=0x7ffc0000")!;
    assert.deepEqual([aarch64.architecture, aarch64.syscall], ["SCMP_ARCH_AARCH64", "write"]);
    const unknown = parseSeccompAuditRecord("audit: type=1326 audit(1.2:5): auid=0 uid=0 gid=0 ses=1 pid=7 comm=\"a\" exe=\"/a\" sig=0 arch=deadbeef syscall=1 compat=0 ip=0x1 code=0x7ffc0000")!;
    assert.deepEqual([unknown.architecture, unknown.syscall], [undefined, undefined]);
  });
});

describe("the recorder's parts", () => {
  it("finds the container ID in cgroupfs and systemd cgroup paths, and none for a host process", () => {
    assert.equal(containerIdOfCgroup(`9:pids:/node-e2e/node/kubepods/besteffort/pod1c9e/${ID}\n1:cpu:/\n`), ID);
    assert.equal(containerIdOfCgroup(`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1c9e.slice/cri-containerd-${ID}.scope\n`), ID);
    assert.equal(containerIdOfCgroup("9:name=systemd:/\n4:memory:/user.slice\n0::/\n"), undefined);
    assert.equal(containerIdOfStatus(`containerd://${ID}`), ID);
    assert.equal(containerIdOfStatus("containerd://short"), undefined);
  });

  it("keeps the container of a process seen alive after it exits, for a grace period; a process never seen is gone", () => {
    const proc = mkdtempSync(join(tmpdir(), "proc-"));
    let now = 0;
    try {
      mkdirSync(join(proc, "100"));
      writeFileSync(join(proc, "100", "cgroup"), `4:pids:/kubepods/pod1/${ID}\n`);
      mkdirSync(join(proc, "101"));
      writeFileSync(join(proc, "101", "cgroup"), "4:pids:/\n");
      const attribution = new ProcessAttribution(proc, 10_000, () => now);
      attribution.scan();
      rmSync(join(proc, "100"), { recursive: true });
      attribution.scan();
      assert.deepEqual(attribution.attribute(100), { type: "container", id: ID }, "exited, remembered from the scan");
      assert.deepEqual(attribution.attribute(101), { type: "host" });
      assert.deepEqual(attribution.attribute(102), { type: "gone" });
      now = 20_000;
      attribution.scan();
      assert.deepEqual(attribution.attribute(100), { type: "gone" }, "forgotten after the grace period (pids are reused)");
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });

  it("follows auditd's log across a rotation and a truncation, from its end at start", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    const log = join(dir, "audit.log");
    try {
      writeFileSync(log, `${auditdLines[0]}\n`);
      const tail = new AuditLogTail(log);
      assert.deepEqual(tail.read(), [], "what was there before is not read");
      appendFileSync(log, `${auditdLines[1]}\n${auditdLines[2]!.slice(0, 40)}`);
      assert.deepEqual(tail.read(), [auditdLines[1]], "a partial line waits for its end");
      appendFileSync(log, `${auditdLines[2]!.slice(40)}\n`);
      renameSync(log, `${log}.1`);
      appendFileSync(`${log}.1`, `${auditdLines[3]}\n`);
      writeFileSync(log, `${auditdLines[4]}\n`);
      assert.deepEqual(tail.read(), [auditdLines[2], auditdLines[3], auditdLines[4]], "the rotated file's last lines, then the new file");
      assert.equal(tail.rotations, 1);
      writeFileSync(log, `${auditdLines[5]}\n`);
      assert.deepEqual(tail.read(), [auditdLines[5]], "truncated in place: read again from the start");
      tail.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tallies attributed records, counts the unattributed and the lost, waits for a container's status, and ignores others", () => {
    const tally = new RecordingTally("shop/web", "uid-1");
    const who = new Map<number, Attribution>([
      [32560, { type: "container", id: "new" }],
      [32561, { type: "container", id: ID }],
    ]);
    const targets = new Map<string, RecordedTarget>([[ID, { recording: "shop/web", recordingUid: "uid-1", container: "app", pod: "pod-a" }]]);
    const processor = new AuditRecordProcessor({
      attribute: (pid) => who.get(pid) ?? { type: "gone" },
      targets: () => targets,
      tallies: () => new Map([["shop/web", tally]]),
    });
    const kernel = auditdLines.filter((l) => l.startsWith("type=SECCOMP"));
    // Drop two events: the serial numbers tell.
    processor.process([...kernel.slice(0, 5), ...kernel.slice(7)]);
    const spec = tally.toSpec("node-1", "audit-log", new Date(0));
    assert.equal(spec.lost, 2);
    assert.deepEqual(spec.containers.map((c) => c.name), ["app"]);
    assert.ok(spec.containers[0]!.syscalls[0]!.names.includes("uname"));
    // pid 32560 (the i386 program) is in a container the pods' status does not name yet.
    assert.ok(!spec.containers[0]!.syscalls.some((s) => s.architecture === "SCMP_ARCH_X86"));
    targets.set("new", { recording: "shop/web", recordingUid: "uid-1", container: "app", pod: "pod-b" });
    processor.flushPending();
    const later = tally.toSpec("node-1", "audit-log", new Date(0));
    assert.deepEqual(later.containers[0]!.syscalls.find((s) => s.architecture === "SCMP_ARCH_X86")?.names, ["exit", "write"]);
    assert.equal(later.containers[0]!.pods, 2);
    who.delete(32561);
    processor.process([kernel[10]!]);
    const gone = tally.toSpec("node-1", "audit-log", new Date(0));
    assert.equal(gone.unattributed, 1);
    assert.ok(!JSON.stringify(gone).includes("busybox"), "an unattributed process may be another namespace's: its name is not reported");
  });

  it("forged records in another process's name reach no recording: user messages in both forms, a look-alike comm", () => {
    const tally = new RecordingTally("shop/web", "uid-1");
    // pid 31956 is the victim's container; 4321 is the forger's, in no recorded container.
    const who = new Map<number, Attribution>([
      [31956, { type: "container", id: ID }],
      [4321, { type: "container", id: "forger" }],
    ]);
    const processor = new AuditRecordProcessor({
      attribute: (pid) => who.get(pid) ?? { type: "gone" },
      targets: () => new Map([[ID, { recording: "shop/web", recordingUid: "uid-1", container: "app", pod: "pod-a" }]]),
      tallies: () => new Map([["shop/web", tally]]),
    });
    const body = (syscall: number) => `auid=4294967295 uid=0 gid=0 ses=4294967295 pid=31956 comm="app" exe="/app" sig=0 arch=c000003e syscall=${syscall} compat=0 ip=0x0 code=0x7ffc0000`;
    processor.process([
      `audit: type=1107 audit(1796125733.600:100): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='type=SECCOMP pid=31956 arch=c000003e syscall=165 code=0x7ffc0000'`,
      `audit: type=1107 audit(1796125733.600:101): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='audit: type=1326 audit(1796125733.600:101): ${body(101)}'`,
      `type=USER_AVC msg=audit(1796125733.600:102): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='type=SECCOMP msg=audit(1796125733.600:102): ${body(165)}'\x1dUID="root"`,
      `audit: type=1326 audit(1796125733.600:103): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4321 comm="pid=31956" exe="/pid=31956" sig=0 arch=c000003e syscall=165 compat=0 ip=0x0 code=0x7ffc0000`,
      `audit: type=1326 audit(1796125733.600:104): ${body(0)}`,
    ]);
    const spec = tally.toSpec("node-1", "kernel-log", new Date(0));
    assert.deepEqual(spec.containers.map((c) => [c.name, c.records, c.syscalls.flatMap((x) => x.names)]), [["app", 1, ["read"]]], "only the kernel's own record of the victim");
  });

  it("records only containers that run under the audit profile of a running recording of their namespace", () => {
    const recording = {
      apiVersion: "seccomp.operator.dev/v1alpha1",
      kind: "SeccompProfileRecording",
      metadata: { name: "web", namespace: "shop", uid: "uid-1" },
      spec: { workloadRef: { kind: "Deployment", name: "web" } },
      status: {
        conditions: [{ type: "Recording", status: "True", reason: "Recording", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }],
        containers: [{ name: "app", syscalls: 0, pods: 0, nodes: 0, auditProfile: "web-app-audit" }],
      },
    } as SeccompProfileRecording;
    const pod = (namespace: string, path: string) => ({
      metadata: { name: "p", namespace, uid: `pod-${namespace}` },
      spec: { containers: [{ name: "app", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: path } } }] },
      status: { containerStatuses: [{ name: "app", containerID: `containerd://${namespace === "shop" ? ID : ID.replace(/^3/, "4")}` }] },
    });
    const hash = "a".repeat(64);
    const targets = recordedTargets([pod("shop", `operator/shop/web-app-audit/${hash}.json`), pod("other", `operator/other/web-app-audit/${hash}.json`)], [recording]);
    assert.deepEqual([...targets], [[ID, { recording: "shop/web", recordingUid: "uid-1", container: "app", pod: "pod-shop" }]]);
    const done = { ...recording, status: { ...recording.status, conditions: [...recording.status!.conditions!, { type: "Completed", status: "True" as const, reason: "Completed", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }] } };
    assert.equal(recordedTargets([pod("shop", `operator/shop/web-app-audit/${hash}.json`)], [done]).size, 0);
  });
});

describe("recorded profiles of a cluster recording", () => {
  it("the audit profile logs by default and lets through what every result allows, the quiet list and the base's calls", () => {
    const spec = recordingAuditSpec({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] }, ["uname"], "audit");
    assert.equal(spec.defaultAction, "SCMP_ACT_LOG");
    assert.equal(spec.architectures, undefined, "every ABI is logged, not killed");
    const allowed = new Set(spec.syscalls!.filter((r) => r.action === "SCMP_ACT_ALLOW").flatMap((r) => r.names));
    for (const name of ["read", "uname", "exit_group", "rt_sigreturn", "execve", "futex"]) assert.ok(allowed.has(name), name);
    assert.ok(!allowed.has("mkdir"));
  });

  it("the result allows what was recorded and what every process needs, lint-clean; with a base, only what it lacks", () => {
    const syscalls = new Map([["SCMP_ARCH_X86_64" as const, ["read", "uname", "write"]]]);
    const spec = recordedSpec({ syscalls, native: "SCMP_ARCH_X86_64", runtimeNeeds: [], description: "recorded" });
    assert.equal(spec.defaultAction, "SCMP_ACT_ERRNO");
    assert.deepEqual(spec.syscalls, [{ names: ["exit", "exit_group", "read", "rt_sigreturn", "uname", "write"], action: "SCMP_ACT_ALLOW" }]);
    assert.deepEqual(lintSpec(spec).filter((d) => d.severity === "error"), []);
    const based = recordedSpec({
      syscalls,
      native: "SCMP_ARCH_X86_64",
      runtimeNeeds: [],
      description: "recorded",
      base: { name: "busybox", spec: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read", "write", "exit", "exit_group", "rt_sigreturn"], action: "SCMP_ACT_ALLOW" }] } },
    });
    assert.equal(based.baseProfileName, "busybox");
    assert.deepEqual(based.syscalls, [{ names: ["uname"], action: "SCMP_ACT_ALLOW" }]);
  });
});
