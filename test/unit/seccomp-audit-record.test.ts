import assert from "node:assert/strict";
import { auditTwin } from "../../src/profile/audit-twin.js";
import { parseSeccompAuditRecord } from "../../src/profile/seccomp-audit-record.js";

describe("seccomp audit records", () => {
  it("reads the kernel log's type=1326 line: pid, architecture, syscall by name, action", () => {
    const line =
      'audit: type=1326 audit(1796115777.459:4): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29813 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=257 compat=0 ip=0x40828e code=0x7ffc0000';
    assert.deepEqual(parseSeccompAuditRecord(line), {
      pid: 29813,
      comm: "runc:[2:INIT]",
      auditArch: 0xc000003e,
      number: 257,
      architecture: "SCMP_ARCH_X86_64",
      syscall: "openat",
      action: "SCMP_ACT_LOG",
      serial: 4,
    });
  });

  it("reads auditd's type=SECCOMP line, 32-bit and x32 calls, and an errno in the action's data", () => {
    const auditd = 'type=SECCOMP msg=audit(1700000000.1:7): auid=0 uid=0 gid=0 ses=1 pid=4242 comm="app" exe="/app" sig=0 arch=40000003 syscall=5 compat=1 ip=0xf7f0 code=0x50001';
    const record = parseSeccompAuditRecord(auditd)!;
    assert.deepEqual([record.architecture, record.syscall, record.action], ["SCMP_ARCH_X86", "open", "SCMP_ACT_ERRNO"]);
    const x32 = parseSeccompAuditRecord("audit: type=1326 audit(1700000000.2:8): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"app\" exe=\"/app\" sig=0 arch=c000003e syscall=1073741825 compat=0 ip=0x4 code=0x7ffc0000")!;
    assert.deepEqual([x32.architecture, x32.syscall], ["SCMP_ARCH_X32", "write"]);
    assert.equal(parseSeccompAuditRecord("audit: type=1400 apparmor=DENIED pid=1"), undefined);
  });
});

// A root container with CAP_AUDIT_WRITE (containerd's default set, PSA baseline) can send user
// messages (AUDIT_USER_AVC: type=1107, USER_AVC) whose free text the kernel logs verbatim in
// msg='...', and any process names itself (comm, 15 bytes) and its executable's path (exe).
describe("forged seccomp records", () => {
  const VICTIM = 31956;
  const FORGED_BODY = `auid=4294967295 uid=0 gid=0 ses=4294967295 pid=${VICTIM} comm="app" exe="/app" sig=0 arch=c000003e syscall=165 compat=0 ip=0x0 code=0x7ffc0000`;
  const genuine = (pid: number, comm: string, exe: string, serial = 9) =>
    `audit: type=1326 audit(1796125733.600:${serial}): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=${pid} comm=${comm} exe=${exe} sig=0 arch=c000003e syscall=101 compat=0 ip=0x4a4e10 code=0x7ffc0000`;

  it("a user message carrying a seccomp record is no record, in the kernel log's form and in auditd's", () => {
    const forged = [
      // What the kernel prints to /dev/kmsg without an audit daemon.
      `audit: type=1107 audit(1796125733.600:23530): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=cri-containerd.apparmor.d (enforce) msg='type=SECCOMP pid=${VICTIM} arch=c000003e syscall=165 compat=0 ip=0x0 code=0x7ffc0000'`,
      `audit: type=1107 audit(1796125733.600:23531): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='audit: type=1326 audit(1796125733.600:23531): ${FORGED_BODY}'`,
      // What auditd writes to audit.log, raw and enriched.
      `type=USER_AVC msg=audit(1796125719.300:23510): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='type=SECCOMP pid=${VICTIM} arch=c000003e syscall=165 code=0x7ffc0000'`,
      `type=USER_AVC msg=audit(1796125719.300:23511): pid=4321 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='type=SECCOMP msg=audit(1796125719.300:23511): ${FORGED_BODY}'\x1dUID="root" AUID="unset"`,
      `node=worker-1 type=USER_AVC msg=audit(1796125719.300:23512): pid=4321 uid=0 auid=4294967295 ses=4294967295 msg='type=SECCOMP msg=audit(1796125719.300:23512): ${FORGED_BODY}'`,
      // Another record type whose fields name a seccomp record.
      `type=SYSCALL msg=audit(1796125719.300:23513): arch=c000003e syscall=165 success=no exit=-1 pid=${VICTIM} comm="type=SECCOMP" exe="/code=0x7ffc0000"`,
    ];
    for (const line of forged) assert.equal(parseSeccompAuditRecord(line), undefined, line);
  });

  it("a process named after another's fields is still itself: each field where the kernel writes it", () => {
    const named = parseSeccompAuditRecord(genuine(4321, `"pid=${VICTIM}"`, `"/tmp/pid=${VICTIM}/syscall=165"`))!;
    assert.deepEqual([named.pid, named.comm, named.syscall], [4321, `pid=${VICTIM}`, "ptrace"]);
    // A name with a space or a quote is hex-encoded by the kernel.
    const hex = parseSeccompAuditRecord(genuine(4321, Buffer.from(`a pid=${VICTIM}`).toString("hex").toUpperCase(), Buffer.from('/x" pid=1').toString("hex").toUpperCase()))!;
    assert.deepEqual([hex.pid, hex.comm], [4321, `a pid=${VICTIM}`]);
    // A quoted name never holds a space or a quote: one that does is not the kernel's.
    assert.equal(parseSeccompAuditRecord(genuine(4321, `"a" pid=${VICTIM} comm="b"`, '"/x"')), undefined);
  });

  it("keeps every genuine form: with and without subj (AppArmor's has a space), exe=(null), auditd's node= and enriched fields", () => {
    const body = "auid=1000 uid=0 gid=0 ses=3 subj=cri-containerd.apparmor.d (enforce) pid=77 comm=\"sh\" exe=\"/bin/sh\" sig=0 arch=c000003e syscall=59 compat=0 ip=0x7f04a2e89ad7 code=0x7ffc0000";
    for (const line of [
      `audit: type=1326 audit(1796125733.600:9): ${body}`,
      `type=SECCOMP msg=audit(1796125733.600:9): ${body}`,
      `node=worker-1 type=SECCOMP msg=audit(1796125733.600:9): ${body}\x1dAUID="user" UID="root" ARCH=x86_64 SYSCALL=execve`,
      `audit: type=1326 audit(1796125733.600:9): ${body.replace(" subj=cri-containerd.apparmor.d (enforce)", "")}`,
      `audit: type=1326 audit(1796125733.600:9): ${body.replace(" subj=cri-containerd.apparmor.d (enforce)", " subj=system_u:system_r:container_t:s0:c1,c2")}`,
    ]) {
      const record = parseSeccompAuditRecord(line);
      assert.deepEqual([record?.pid, record?.comm, record?.syscall, record?.serial], [77, "sh", "execve", 9], line);
    }
    assert.equal(parseSeccompAuditRecord(genuine(5, '"kworker"', "(null)"))?.pid, 5);
  });
});

describe("the audit-mode twin of a profile", () => {
  it("logs what the profile refuses, lets through what it allows or logs, and keeps architectures and flags", () => {
    const twin = auditTwin(
      {
        defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 38,
        architectures: ["SCMP_ARCH_X86_64"],
        flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [
          { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
          { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
          { names: ["kill"], action: "SCMP_ACT_KILL_PROCESS", args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }] },
          { names: ["uname"], action: "SCMP_ACT_LOG" },
        ],
      },
      ["mkdir"],
    );
    assert.deepEqual(twin, {
      defaultAction: "SCMP_ACT_LOG",
      architectures: ["SCMP_ARCH_X86_64"],
      flags: ["SECCOMP_FILTER_FLAG_LOG"],
      syscalls: [
        { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
        { names: ["kill"], action: "SCMP_ACT_LOG", args: [{ index: 1, value: 9, op: "SCMP_CMP_EQ" }] },
        { names: ["uname"], action: "SCMP_ACT_ALLOW" },
        { names: ["mkdir"], action: "SCMP_ACT_ALLOW" },
      ],
    });
  });

  it("always logs the canary syscall, unless conditions on its arguments decide it", () => {
    const spec = { defaultAction: "SCMP_ACT_ERRNO" as const, syscalls: [{ names: ["execve", "read"], action: "SCMP_ACT_ALLOW" as const }] };
    assert.deepEqual(auditTwin(spec, [], "execve").syscalls, [
      { names: ["read"], action: "SCMP_ACT_ALLOW" },
      { names: ["execve"], action: "SCMP_ACT_LOG" },
    ]);
    const conditional = { ...spec, syscalls: [...spec.syscalls, { names: ["execve"], action: "SCMP_ACT_ERRNO" as const, args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" as const }] }] };
    assert.deepEqual(auditTwin(conditional, [], "execve").syscalls, [
      { names: ["execve", "read"], action: "SCMP_ACT_ALLOW" },
      { names: ["execve"], action: "SCMP_ACT_LOG", args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] },
    ]);
  });
});
