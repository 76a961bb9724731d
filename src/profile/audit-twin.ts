import type { SyscallRule } from "../api/profile-spec.js";
import type { Action } from "../api/seccomp-vocabulary.js";
import { isPermissive } from "./permissions.js";
import type { ResolvedSpec } from "./resolve.js";

/**
 * The audit-mode twin of a profile: it lets every call run, as the profile does or not, and
 * makes the kernel log exactly the calls the profile would refuse. Everything the profile
 * refuses (default or rule, whatever the action) becomes SCMP_ACT_LOG; what it logs already
 * becomes SCMP_ACT_ALLOW, because a logged call is not a denied one. Architectures and flags
 * stay, so the runtime treats both alike. `allow` names syscalls not to log again (found by a
 * previous run). `canary`, a syscall every run makes (execve), is always logged, so that a run
 * whose records are missing from the log can be told from a run with nothing to report; it is
 * left alone when conditional rules decide it.
 */
export function auditTwin(spec: ResolvedSpec, allow: readonly string[] = [], canary?: string): ResolvedSpec {
  const rules = spec.syscalls ?? [];
  const logCanary = canary !== undefined && !rules.some((r) => r.names.includes(canary) && r.args !== undefined && r.args.length > 0);
  const skip = new Set(allow);
  if (logCanary) skip.add(canary);
  const out: SyscallRule[] = [];
  for (const rule of rules) {
    const names = rule.names.filter((name) => !skip.has(name));
    if (names.length === 0) continue;
    const twin: SyscallRule = { names, action: twinAction(rule.action) };
    if (rule.args !== undefined && rule.args.length > 0) twin.args = rule.args;
    out.push(twin);
  }
  const allowed = [...skip].filter((name) => !(logCanary && name === canary)).sort();
  if (allowed.length > 0) out.push({ names: allowed, action: "SCMP_ACT_ALLOW" });
  if (logCanary) out.push({ names: [canary], action: "SCMP_ACT_LOG" });
  const twin: ResolvedSpec = { defaultAction: twinAction(spec.defaultAction), syscalls: out };
  if (spec.architectures !== undefined) twin.architectures = spec.architectures;
  if (spec.flags !== undefined) twin.flags = spec.flags;
  return twin;
}

function twinAction(action: Action): Action {
  return isPermissive(action) ? "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG";
}
