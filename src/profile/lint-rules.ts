import type { Severity } from "../api/profile-status.js";

/** A lint rule: its stable id, how serious it is, and a one-line fix. Ids never change meaning. */
export interface LintRule {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  readonly hint: string;
}

export const LINT_RULES = {
  exitBlocked: {
    id: "SCP001",
    name: "exit-syscalls-blocked",
    severity: "error",
    hint: "allow exit, exit_group and rt_sigreturn: without them a process cannot end or return from a signal handler, so the container hangs or is killed",
  },
  dangerousAllowed: {
    id: "SCP002",
    name: "dangerous-syscalls-allowed",
    severity: "warning",
    hint: "remove them unless the application truly needs them; they are how containers escape or attack the kernel",
  },
  runtimeStartup: {
    id: "SCP003",
    name: "runtime-startup-syscalls",
    severity: "info",
    hint: "set allowPrivilegeEscalation: false so the runtime loads the filter after it drops privileges, and remove these unless the application changes its ids itself",
  },
  blocklist: {
    id: "SCP004",
    name: "blocklist-default-allow",
    severity: "warning",
    hint: "prefer an allowlist (defaultAction SCMP_ACT_ERRNO) generated from what the application really calls",
  },
  auditMode: {
    id: "SCP005",
    name: "audit-mode",
    severity: "info",
    hint: "nothing is blocked; read the audit log, add what the application calls, then switch defaultAction to SCMP_ACT_ERRNO",
  },
  killThread: {
    id: "SCP006",
    name: "kill-thread-action",
    severity: "warning",
    hint: "use SCMP_ACT_KILL_PROCESS (or SCMP_ACT_ERRNO): killing one thread can leave the process hung",
  },
  blocksEverything: {
    id: "SCP007",
    name: "nothing-allowed",
    severity: "error",
    hint: "add the syscalls the application needs with action SCMP_ACT_ALLOW",
  },
  redundantRule: {
    id: "SCP008",
    name: "redundant-rule",
    severity: "info",
    hint: "remove the rule: the default action already does this",
  },
  denialsNotLogged: {
    id: "SCP009",
    name: "denials-not-logged",
    severity: "info",
    hint: "while you tune the profile, add flag SECCOMP_FILTER_FLAG_LOG so denied syscalls reach the audit log (runc 1.2 or newer, or crun)",
  },
  flagsNeedRecentRuntime: {
    id: "SCP011",
    name: "flags-need-recent-runtime",
    severity: "warning",
    hint: "make sure every node runs runc 1.2 or newer (or crun): runc 1.1 refuses any seccomp flag and the container does not start",
  },
  defaultArchitectures: {
    id: "SCP010",
    name: "default-architectures",
    severity: "info",
    hint: "list the architectures your nodes run, e.g. SCMP_ARCH_X86_64 and SCMP_ARCH_AARCH64, to keep 32-bit ABIs out",
  },
} as const satisfies Record<string, LintRule>;
