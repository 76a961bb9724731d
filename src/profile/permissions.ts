import type { ProfileSpec, SyscallRule } from "../api/profile-spec.js";
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
  return permissionBy(spec, rulesNaming(spec, [name]).get(name)!);
}

/**
 * permission() given the rules that name the syscall, in order: the first unconditional one
 * decides; before it, a conditional rule that departs from the default makes it `sometimes`.
 */
export function permissionBy(spec: ProfileSpec, rules: readonly SyscallRule[]): Permission {
  let conditional = false;
  for (const rule of rules) {
    if (rule.args !== undefined && rule.args.length > 0) {
      if (isPermissive(rule.action) !== isPermissive(spec.defaultAction)) conditional = true;
      continue;
    }
    return isPermissive(rule.action) ? "always" : "never";
  }
  if (conditional) return "sometimes";
  return isPermissive(spec.defaultAction) ? "always" : "never";
}

/** For each of `names`, the rules that name it, in order: one pass over the rules, for many names. */
export function rulesNaming(spec: ProfileSpec, names: readonly string[]): Map<string, SyscallRule[]> {
  const out = new Map<string, SyscallRule[]>(names.map((name) => [name, []]));
  for (const rule of spec.syscalls ?? []) {
    for (const name of rule.names) {
      const rules = out.get(name);
      if (rules !== undefined && rules[rules.length - 1] !== rule) rules.push(rule);
    }
  }
  return out;
}
