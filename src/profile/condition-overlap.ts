import type { ProfileSpec, SyscallArg, SyscallRule } from "../api/profile-spec.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";

const MAX = (1n << 64n) - 1n;

/** A rule's argument conditions and outcome, as far as precedence is concerned. */
export interface ConditionalRule {
  names: readonly string[];
  action: string;
  errnoRet?: number | undefined;
  args?: readonly SyscallArg[] | undefined;
}

/**
 * Argument values that satisfy the conditions of both rules (index -> value), or undefined when
 * no call can match both. Conditions on one argument are joined (AND), except that runc turns
 * several conditions on the same argument of one rule into alternatives (OR). Candidates are
 * the boundary values of the comparisons and the values their masks fix, which finds a common
 * value for every pair of comparisons the OCI operators can express.
 */
export function overlapWitness(a: readonly SyscallArg[], b: readonly SyscallArg[]): Map<number, bigint> | undefined {
  return witnessOf(alternatives(a), alternatives(b));
}

function witnessOf(left: readonly SyscallArg[][], right: readonly SyscallArg[][]): Map<number, bigint> | undefined {
  for (const l of left) {
    for (const r of right) {
      const witness = satisfyAll([...l, ...r]);
      if (witness !== undefined) return witness;
    }
  }
  return undefined;
}

/**
 * Conjunctions compared per profile at most: a tenant's 512 conditional rules naming the same
 * syscalls would otherwise cost seconds of one thread. Past it, the rules' written order is kept.
 */
export const MAX_OVERLAP_CHECKS = 5_000;

export type OrderPair = { earlier: number; later: number; name: string; witness: Map<number, bigint> };

/**
 * Pairs of conditional rules whose order may decide a call: both name a syscall, give it
 * different outcomes, and some call matches both. Which one then applies is up to how
 * libseccomp combines them, and for some pairs (an EQ and a MASKED_EQ on one argument) it is
 * the first one runc adds, so rendering keeps their order. Pairs are (earlier, later) indexes.
 * Undefined when finding them would take more than MAX_OVERLAP_CHECKS comparisons.
 */
export function orderDependentPairs(rules: readonly ConditionalRule[]): OrderPair[] | undefined {
  const out: OrderPair[] = [];
  const conjunctions = rules.map((r) => (conditional(r) ? alternatives(r.args!) : []));
  let checks = 0;
  for (let j = 0; j < rules.length; j++) {
    for (let i = 0; i < j; i++) {
      const [x, y] = [rules[i]!, rules[j]!];
      if (!conditional(x) || !conditional(y) || outcome(x) === outcome(y)) continue;
      const name = x.names.find((n) => y.names.includes(n));
      if (name === undefined) continue;
      checks += conjunctions[i]!.length * conjunctions[j]!.length;
      if (checks > MAX_OVERLAP_CHECKS) return undefined;
      const witness = witnessOf(conjunctions[i]!, conjunctions[j]!);
      if (witness !== undefined) out.push({ earlier: i, later: j, name, witness });
    }
  }
  return out;
}

/** A warning for each pair of conditional rules whose order decides some calls. */
export function checkOverlappingConditions(spec: Pick<ProfileSpec, "syscalls">, prefix = "spec"): Diagnostic[] {
  const rules: readonly SyscallRule[] = spec.syscalls ?? [];
  const pairs = orderDependentPairs(rules);
  if (pairs === undefined) {
    return [
      diagnostic(
        "warning",
        "overlapping-conditions",
        `${prefix}.syscalls`,
        `too many conditional rules name the same syscalls with different outcomes to check them for overlapping conditions (more than ${MAX_OVERLAP_CHECKS} comparisons); rendering keeps their written order`,
        "make the conditions exclusive, or use fewer conditional rules per syscall",
      ),
    ];
  }
  return pairs.map(({ earlier, later, name, witness }) => {
    const call = [...witness].map(([index, value]) => `arg${index} = ${value}`).join(", ");
    return diagnostic(
      "warning",
      "overlapping-conditions",
      `${prefix}.syscalls[${later}]`,
      `${name}: a call with ${call} matches this rule (${outcome(rules[later]!)}) and ${prefix}.syscalls[${earlier}] (${outcome(rules[earlier]!)}); which applies is up to libseccomp and may depend on their order, which rendering keeps`,
      "make the conditions exclusive, so that each call has one outcome",
    );
  });
}

function conditional(rule: ConditionalRule): boolean {
  return rule.args !== undefined && rule.args.length > 0;
}

/** runc returns EPERM for SCMP_ACT_ERRNO without errnoRet. */
function outcome(rule: ConditionalRule): string {
  const errno = rule.errnoRet ?? (rule.action === "SCMP_ACT_ERRNO" ? 1 : undefined);
  return errno === undefined ? rule.action : `${rule.action} (errno ${errno})`;
}

/** The conjunctions a rule matches: one per choice among its repeated arguments. */
function alternatives(args: readonly SyscallArg[]): SyscallArg[][] {
  if (distinctIndexes(args)) return [[...args]];
  const byIndex = new Map<number, SyscallArg[]>();
  for (const arg of args) byIndex.set(arg.index, [...(byIndex.get(arg.index) ?? []), arg]);
  let out: SyscallArg[][] = [[]];
  for (const group of byIndex.values()) out = out.flatMap((conj) => group.map((arg) => [...conj, arg]));
  return out;
}

function distinctIndexes(args: readonly SyscallArg[]): boolean {
  let seen = 0;
  for (const arg of args) {
    if (seen & (1 << arg.index)) return false;
    seen |= 1 << arg.index;
  }
  return true;
}

function satisfyAll(conditions: readonly SyscallArg[]): Map<number, bigint> | undefined {
  const byIndex = new Map<number, SyscallArg[]>();
  for (const c of conditions) byIndex.set(c.index, [...(byIndex.get(c.index) ?? []), c]);
  const witness = new Map<number, bigint>();
  for (const [index, group] of [...byIndex].sort((x, y) => x[0] - y[0])) {
    const value = candidates(group).find((x) => group.every((c) => holds(x, c)));
    if (value === undefined) return undefined;
    witness.set(index, value);
  }
  return witness;
}

function holds(x: bigint, c: SyscallArg): boolean {
  const v = BigInt(c.value);
  switch (c.op) {
    case "SCMP_CMP_EQ":
      return x === v;
    case "SCMP_CMP_NE":
      return x !== v;
    case "SCMP_CMP_LT":
      return x < v;
    case "SCMP_CMP_LE":
      return x <= v;
    case "SCMP_CMP_GT":
      return x > v;
    case "SCMP_CMP_GE":
      return x >= v;
    case "SCMP_CMP_MASKED_EQ":
      return (x & v) === BigInt(c.valueTwo ?? 0);
  }
}

function candidates(group: readonly SyscallArg[]): bigint[] {
  const masked = group.filter((c) => c.op === "SCMP_CMP_MASKED_EQ");
  const fixedBits = masked.reduce((bits, c) => bits | BigInt(c.value), 0n);
  const fixedValue = masked.reduce((bits, c) => bits | BigInt(c.valueTwo ?? 0), 0n);
  const boundaries = new Set<bigint>([0n, MAX]);
  for (const c of group) {
    const v = BigInt(c.value);
    for (const x of [v - 1n, v, v + 1n]) if (x >= 0n && x <= MAX) boundaries.add(x);
  }
  // Each boundary, and the nearest values with the masked bits set as the masks require.
  const out = new Set<bigint>(boundaries);
  for (const x of boundaries) {
    const base = (x & ~fixedBits & MAX) | fixedValue;
    out.add(base);
    const step = (~fixedBits & MAX) & -(~fixedBits & MAX); // lowest free bit
    if (step > 0n) for (const y of [base + step, base - step]) if (y >= 0n && y <= MAX) out.add((y & ~fixedBits & MAX) | fixedValue);
  }
  return [...out].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}
