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
  return permissions(spec, [name]).get(name)!;
}

/**
 * permission() of each of `names`, in one pass over the rules: the first unconditional rule
 * naming a syscall decides it; before it, a conditional rule that departs from the default
 * makes it `sometimes`, unless an unconditional rule follows.
 */
export function permissions(spec: ProfileSpec, names: readonly string[]): Map<string, Permission> {
  const wanted = new Set(names);
  const decided = new Map<string, Permission>();
  const conditional = new Set<string>();
  const byDefault = isPermissive(spec.defaultAction);
  for (const rule of spec.syscalls ?? []) {
    const hasArgs = rule.args !== undefined && rule.args.length > 0;
    const permissive = isPermissive(rule.action);
    for (const name of rule.names) {
      if (!wanted.has(name) || decided.has(name)) continue;
      if (!hasArgs) decided.set(name, permissive ? "always" : "never");
      else if (permissive !== byDefault) conditional.add(name);
    }
  }
  for (const name of wanted) if (!decided.has(name)) decided.set(name, conditional.has(name) ? "sometimes" : byDefault ? "always" : "never");
  return decided;
}
