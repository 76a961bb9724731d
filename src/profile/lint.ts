import type { ProfileSpec } from "../api/profile-spec.js";
import type { Action } from "../api/seccomp-vocabulary.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { LINT_RULES, type LintRule } from "./lint-rules.js";
import { isPermissive, permissionBy, rulesNaming } from "./permissions.js";

/** What every process needs to end and to return from signal handlers. */
export const ESSENTIAL_SYSCALLS = ["exit", "exit_group", "rt_sigreturn"] as const;

/** Syscalls that let a process escape its container or reach deep into the kernel. */
export const DANGEROUS_SYSCALLS = [
  "acct",
  "add_key",
  "bpf",
  "clock_settime",
  "create_module",
  "delete_module",
  "finit_module",
  "fsconfig",
  "fsmount",
  "fsopen",
  "fspick",
  "init_module",
  "iopl",
  "ioperm",
  "kexec_file_load",
  "kexec_load",
  "keyctl",
  "lookup_dcookie",
  "mount",
  "mount_setattr",
  "move_mount",
  "name_to_handle_at",
  "open_by_handle_at",
  "open_tree",
  "perf_event_open",
  "pivot_root",
  "process_vm_readv",
  "process_vm_writev",
  "ptrace",
  "quotactl",
  "reboot",
  "request_key",
  "setns",
  "settimeofday",
  "swapoff",
  "swapon",
  "syslog",
  "umount",
  "umount2",
  "unshare",
  "userfaultfd",
  "vm86",
  "vm86old",
] as const;

/** Needed only when the runtime installs the filter before it drops privileges. */
export const RUNTIME_STARTUP_SYSCALLS = ["capset", "setgid", "setgroups", "setuid"] as const;

/**
 * Lints a resolved spec: practices, not correctness (that is validation). Each finding has a
 * stable rule id, a severity and a one-line hint.
 */
export function lintSpec(spec: ProfileSpec, prefix = "spec"): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (rule: LintRule, path: string, message: string) => out.push(diagnostic(rule.severity, rule.id, path, message, rule.hint));
  const allowlist = !isPermissive(spec.defaultAction);
  const defaultPath = `${prefix}.defaultAction`;

  if (spec.defaultAction === "SCMP_ACT_ALLOW") {
    add(LINT_RULES.blocklist, defaultPath, "defaultAction SCMP_ACT_ALLOW makes this a blocklist: every syscall not listed runs");
  } else if (spec.defaultAction === "SCMP_ACT_LOG") {
    add(LINT_RULES.auditMode, defaultPath, "defaultAction SCMP_ACT_LOG is audit mode: unlisted syscalls run and are logged");
  }
  if (isKillThread(spec.defaultAction)) {
    add(LINT_RULES.killThread, defaultPath, `defaultAction ${spec.defaultAction} kills only the calling thread`);
  }

  const rules = spec.syscalls ?? [];
  // The few syscalls lint asks about, looked up in one pass over the rules.
  const naming = rulesNaming(spec, [...ESSENTIAL_SYSCALLS, ...RUNTIME_STARTUP_SYSCALLS, ...DANGEROUS_SYSCALLS]);
  const permissionOf = (name: string) => permissionBy(spec, naming.get(name)!);
  if (allowlist) {
    if (!rules.some((rule) => isPermissive(rule.action))) {
      add(LINT_RULES.blocksEverything, `${prefix}.syscalls`, `no syscall is allowed and the default is ${spec.defaultAction}: no process can even start`);
    } else {
      const blocked = ESSENTIAL_SYSCALLS.filter((name) => permissionOf(name) !== "always");
      if (blocked.length > 0) {
        add(LINT_RULES.exitBlocked, `${prefix}.syscalls`, `not always allowed: ${blocked.join(", ")}`);
      }
    }
    const startup = RUNTIME_STARTUP_SYSCALLS.filter((name) => permissionOf(name) === "always");
    if (startup.length > 0) {
      add(
        LINT_RULES.runtimeStartup,
        `${prefix}.syscalls`,
        `allows ${startup.join(", ")}, which only the container runtime's start-up needs when privilege escalation is allowed`,
      );
    }
    if (!(spec.flags ?? []).includes("SECCOMP_FILTER_FLAG_LOG")) {
      add(LINT_RULES.denialsNotLogged, `${prefix}.flags`, "denied syscalls are not written to the audit log");
    }
  }

  const dangerous = DANGEROUS_SYSCALLS.filter((name) =>
    spec.defaultAction === "SCMP_ACT_ALLOW" ? permissionOf(name) !== "never" : naming.get(name)!.some((rule) => isPermissive(rule.action)),
  );
  if (dangerous.length > 0) {
    add(LINT_RULES.dangerousAllowed, `${prefix}.syscalls`, `allows ${dangerous.join(", ")}`);
  }

  rules.forEach((rule, i) => {
    const path = `${prefix}.syscalls[${i}].action`;
    if (isKillThread(rule.action)) add(LINT_RULES.killThread, path, `action ${rule.action} kills only the calling thread`);
    const unconditional = rule.args === undefined || rule.args.length === 0;
    if (unconditional && rule.action === spec.defaultAction && rule.errnoRet === spec.defaultErrnoRet) {
      add(LINT_RULES.redundantRule, path, `this rule does what defaultAction ${spec.defaultAction} already does`);
    }
  });

  if (spec.flags !== undefined && spec.flags.length > 0) {
    add(LINT_RULES.flagsNeedRecentRuntime, `${prefix}.flags`, `flags ${spec.flags.join(", ")} are set`);
  }
  if (spec.architectures === undefined || spec.architectures.length === 0) {
    add(LINT_RULES.defaultArchitectures, `${prefix}.architectures`, "no architectures listed: x86_64, x86, x32, aarch64 and arm are used");
  }
  return out;
}

function isKillThread(action: Action): boolean {
  return action === "SCMP_ACT_KILL" || action === "SCMP_ACT_KILL_THREAD";
}
