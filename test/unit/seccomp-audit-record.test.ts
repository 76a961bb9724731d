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
    const x32 = parseSeccompAuditRecord("audit: type=1326 pid=1 arch=c000003e syscall=1073741825 code=0x7ffc0000")!;
    assert.deepEqual([x32.architecture, x32.syscall], ["SCMP_ARCH_X32", "write"]);
    assert.equal(parseSeccompAuditRecord("audit: type=1400 apparmor=DENIED pid=1"), undefined);
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
