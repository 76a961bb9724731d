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
 * previous run).
 */
export function auditTwin(spec: ResolvedSpec, allow: readonly string[] = []): ResolvedSpec {
  const skip = new Set(allow);
  const rules: SyscallRule[] = [];
  for (const rule of spec.syscalls ?? []) {
    const names = rule.names.filter((name) => !skip.has(name));
    if (names.length === 0) continue;
    const twin: SyscallRule = { names, action: twinAction(rule.action) };
    if (rule.args !== undefined && rule.args.length > 0) twin.args = rule.args;
    rules.push(twin);
  }
  if (skip.size > 0) rules.push({ names: [...skip].sort(), action: "SCMP_ACT_ALLOW" });
  const out: ResolvedSpec = { defaultAction: twinAction(spec.defaultAction), syscalls: rules };
  if (spec.architectures !== undefined) out.architectures = spec.architectures;
  if (spec.flags !== undefined) out.flags = spec.flags;
  return out;
}

function twinAction(action: Action): Action {
  return isPermissive(action) ? "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG";
}
