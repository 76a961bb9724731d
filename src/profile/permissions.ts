import type { ProfileSpec } from "../api/profile-spec.js";
import type { Action } from "../api/seccomp-vocabulary.js";

/** Actions that let the syscall run (LOG runs it and records it). */
const PERMISSIVE: ReadonlySet<Action> = new Set<Action>(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"]);

export function isPermissive(action: Action): boolean {
  return PERMISSIVE.has(action);
}

export type Permission = "always" | "sometimes" | "never";

/**
 * What a profile does with one syscall, as far as names and actions tell: `sometimes` when
 * a rule with argument conditions decides.
 */
export function permission(spec: ProfileSpec, name: string): Permission {
  let conditional = false;
  for (const rule of spec.syscalls ?? []) {
    if (!rule.names.includes(name)) continue;
    if (rule.args !== undefined && rule.args.length > 0) {
      if (isPermissive(rule.action) !== isPermissive(spec.defaultAction)) conditional = true;
      continue;
    }
    return isPermissive(rule.action) ? "always" : "never";
  }
  if (conditional) return "sometimes";
  return isPermissive(spec.defaultAction) ? "always" : "never";
}
