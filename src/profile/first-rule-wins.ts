import { isRecord } from "./conversion.js";

/** A syscall name that a rule lists but an earlier rule decides. */
export interface ShadowedName {
  rule: number;
  name: string;
  /** The earlier rule that decides the syscall. */
  winner: number;
}

/**
 * Where unconditional rules give one syscall different outcomes, runc applies the first of
 * them and never the others; a rule that does what the default action does is skipped
 * altogether (both measured in test/enforcement/runc-semantics.test.ts). Docker-family
 * profiles rely on this: containers-common allows setns for everyone and then denies it to
 * containers without CAP_SYS_ADMIN. Returns the names (of `among`, when given) whose later rules
 * never apply.
 */
export function shadowedByEarlierRules(rules: readonly unknown[], defaultAction: unknown, defaultErrnoRet: unknown, among?: ReadonlySet<string>): ShadowedName[] {
  const outcome = (action: unknown, errnoRet: unknown) => `${String(action)}/${errnoRet === undefined || errnoRet === null ? "" : String(errnoRet)}`;
  const byDefault = outcome(defaultAction, defaultErrnoRet);
  const first = new Map<string, { rule: number; outcome: string }>();
  const out: ShadowedName[] = [];
  rules.forEach((rule, i) => {
    if (!isRecord(rule) || !Array.isArray(rule.names) || (Array.isArray(rule.args) && rule.args.length > 0)) return;
    const mine = outcome(rule.action, rule.errnoRet);
    if (mine === byDefault) return;
    for (const name of rule.names) {
      if (typeof name !== "string" || (among !== undefined && !among.has(name))) continue;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, { rule: i, outcome: mine });
      else if (earlier.outcome !== mine) out.push({ rule: i, name, winner: earlier.rule });
    }
  });
  return out;
}
