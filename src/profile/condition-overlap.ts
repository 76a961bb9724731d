import type { ProfileSpec, SyscallArg, SyscallRule } from "../api/profile-spec.js";
import { OPERATORS } from "../api/seccomp-vocabulary.js";
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
  const conditions = new Map<string, Condition>();
  const both = firstMatchingBoth(alternatives(a, conditions), alternatives(b, conditions));
  return both === undefined ? undefined : witnessOf(both);
}

/** The first two conjunctions, one of each rule, that some call satisfies. */
function firstMatchingBoth(left: readonly Conjunction[], right: readonly Conjunction[]): [Conjunction, Conjunction] | undefined {
  for (const l of left) {
    for (const r of right) if (satisfyBoth(l, r)) return [l, r];
  }
  return undefined;
}

function witnessOf([l, r]: [Conjunction, Conjunction]): Map<number, bigint> {
  const witness = new Map<number, bigint>();
  satisfyBoth(l, r, witness);
  return witness;
}

/**
 * Conjunctions compared per profile at most: a tenant's 512 conditional rules naming the same
 * syscalls would otherwise cost seconds of one thread. Past it, the rules' written order is kept.
 */
export const MAX_OVERLAP_CHECKS = 5_000;

/** Overlapping pairs a profile's check lists, the rest counted: thousands of warnings would be read by no one. */
export const MAX_OVERLAP_WARNINGS = 50;

/** The witness (a call that matches both) is worked out only for the pairs a warning shows. */
export type OrderPair = { earlier: number; later: number; name: string; witness: () => Map<number, bigint> };

/**
 * Pairs of conditional rules whose order may decide a call: both name a syscall, give it
 * different outcomes, and some call matches both. Which one then applies is up to how
 * libseccomp combines them, and for some pairs (an EQ and a MASKED_EQ on one argument) it is
 * the first one runc adds, so rendering keeps their order. Pairs are (earlier, later) indexes.
 * Undefined when finding them would take more than MAX_OVERLAP_CHECKS comparisons.
 */
export function orderDependentPairs(rules: readonly ConditionalRule[]): OrderPair[] | undefined {
  // The check and the render of one compile ask for the same rules: the costliest profiles
  // would otherwise pay twice. Rules are never changed once a profile is checked.
  if (!rules.some(conditional)) return [];
  if (found.has(rules)) return found.get(rules);
  const pairs = findOrderDependentPairs(rules);
  found.set(rules, pairs);
  return pairs;
}

const found = new WeakMap<readonly ConditionalRule[], OrderPair[] | undefined>();

function findOrderDependentPairs(rules: readonly ConditionalRule[]): OrderPair[] | undefined {
  const out: OrderPair[] = [];
  // Conditions alike are one object, so what is found for one holds for all (rules repeat them).
  const conditions = new Map<string, Condition>();
  const conjunctions = rules.map((r) => (conditional(r) ? alternatives(r.args!, conditions) : []));
  // Per rule once, not per pair: hundreds of rules make tens of thousands of pairs.
  const outcomes = rules.map((r) => (conditional(r) ? outcome(r) : undefined));
  const nameSets = rules.map((r, k) => (outcomes[k] === undefined ? undefined : new Set(r.names)));
  // The pairs to compare, counted before any is: past the bound, none is compared at all.
  const compared: { earlier: number; later: number; name: string }[] = [];
  let checks = 0;
  for (let j = 0; j < rules.length; j++) {
    if (outcomes[j] === undefined) continue;
    for (let i = 0; i < j; i++) {
      if (outcomes[i] === undefined || outcomes[i] === outcomes[j]) continue;
      const named = nameSets[j]!;
      const name = rules[i]!.names.find((n) => named.has(n));
      if (name === undefined) continue;
      checks += conjunctions[i]!.length * conjunctions[j]!.length;
      if (checks > MAX_OVERLAP_CHECKS) return undefined;
      compared.push({ earlier: i, later: j, name });
    }
  }
  for (const { earlier, later, name } of compared) {
    const both = firstMatchingBoth(conjunctions[earlier]!, conjunctions[later]!);
    if (both !== undefined) out.push({ earlier, later, name, witness: () => witnessOf(both) });
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
  const shown = pairs.slice(0, MAX_OVERLAP_WARNINGS).map(({ earlier, later, name, witness }) => {
    const call = [...witness()].map(([index, value]) => `arg${index} = ${value}`).join(", ");
    return diagnostic(
      "warning",
      "overlapping-conditions",
      `${prefix}.syscalls[${later}]`,
      `${name}: a call with ${call} matches this rule (${outcome(rules[later]!)}) and ${prefix}.syscalls[${earlier}] (${outcome(rules[earlier]!)}); which applies is up to libseccomp and may depend on their order, which rendering keeps`,
      "make the conditions exclusive, so that each call has one outcome",
    );
  });
  if (pairs.length > shown.length) {
    const left = pairs.length - shown.length;
    shown.push(diagnostic("warning", "overlapping-conditions", `${prefix}.syscalls`, `and ${left} more pairs of conditional rules whose order decides some calls (only the first ${shown.length} are listed)`, "make the conditions exclusive, so that each call has one outcome"));
  }
  return shown;
}

function conditional(rule: ConditionalRule): boolean {
  return rule.args !== undefined && rule.args.length > 0;
}

/** runc returns EPERM for SCMP_ACT_ERRNO without errnoRet. */
function outcome(rule: ConditionalRule): string {
  const errno = rule.errnoRet ?? (rule.action === "SCMP_ACT_ERRNO" ? 1 : undefined);
  return errno === undefined ? rule.action : `${rule.action} (errno ${errno})`;
}

/**
 * Each operator as the one string this module compares with: a string parsed from JSON is a copy,
 * which each comparison reads character by character, and the hardest profiles compare them
 * hundreds of thousands of times.
 */
const OPERATOR = new Map(OPERATORS.map((op) => [op, op]));

/** A condition on one argument, shared by the rules that repeat it. */
interface Condition {
  index: number;
  op: SyscallArg["op"];
  number: number;
  numberTwo: number;
  /** Both values below SMALL: smallestSatisfyingSmall decides in numbers. */
  small: boolean;
  /** The values as the kernel compares them (64 bits), converted when first needed (see wide). */
  value?: bigint;
  valueTwo?: bigint;
  /** What smallestSatisfying found for this and another condition (undefined: this one alone). */
  solved?: Map<Condition | undefined, bigint | null>;
}

type WideCondition = Condition & { value: bigint; valueTwo: bigint };

function wide(c: Condition): WideCondition {
  c.value ??= BigInt(c.number);
  c.valueTwo ??= BigInt(c.numberTwo);
  return c as WideCondition;
}

/** Below 2^30, every candidate but those near 2^64 is below 2^32, where bit operations on numbers are exact. */
const SMALL = 2 ** 30;

const isSmall = (value: number) => Number.isInteger(value) && value >= 0 && value < SMALL;

/** Conditions that must all hold, one per argument, by argument index. */
type Conjunction = readonly Condition[];

/** The conjunctions a rule matches: one per choice among its repeated arguments. */
function alternatives(args: readonly SyscallArg[], conditions: Map<string, Condition>): Conjunction[] {
  const own = args.map((arg) => {
    const valueTwo = arg.valueTwo ?? 0;
    const key = `${arg.index} ${arg.op} ${arg.value} ${valueTwo}`;
    let condition = conditions.get(key);
    if (condition === undefined) {
      condition = { index: arg.index, op: OPERATOR.get(arg.op)!, number: arg.value, numberTwo: valueTwo, small: isSmall(arg.value) && isSmall(valueTwo) };
      conditions.set(key, condition);
    }
    return condition;
  });
  const byIndex = new Map<number, Condition[]>();
  for (const condition of own) byIndex.set(condition.index, [...(byIndex.get(condition.index) ?? []), condition]);
  // Each argument compared once, the common case: one conjunction.
  if (byIndex.size === own.length) return [own.sort((x, y) => x.index - y.index)];
  let out: Condition[][] = [[]];
  for (const group of byIndex.values()) out = out.flatMap((conj) => group.map((condition) => [...conj, condition]));
  return out.map((conj) => conj.sort((x, y) => x.index - y.index));
}

/**
 * Whether some call satisfies both conjunctions; if so, `witness` gets a value per argument, in
 * ascending order. Each conjunction holds one condition per argument, so an argument has one
 * condition or two.
 */
function satisfyBoth(l: Conjunction, r: Conjunction, witness?: Map<number, bigint>): boolean {
  let i = 0;
  let j = 0;
  while (i < l.length || j < r.length) {
    const a = l[i];
    const b = r[j];
    let value: bigint | undefined;
    let index: number;
    if (b === undefined || (a !== undefined && a.index < b.index)) {
      value = remembered(a!, undefined);
      index = a!.index;
      i++;
    } else if (a === undefined || b.index < a.index) {
      value = remembered(b, undefined);
      index = b.index;
      j++;
    } else {
      value = remembered(a, b);
      index = a.index;
      i++;
      j++;
    }
    if (value === undefined) return false;
    witness?.set(index, value);
  }
  return true;
}

function holds(x: bigint, c: WideCondition): boolean {
  switch (c.op) {
    case "SCMP_CMP_EQ":
      return x === c.value;
    case "SCMP_CMP_NE":
      return x !== c.value;
    case "SCMP_CMP_LT":
      return x < c.value;
    case "SCMP_CMP_LE":
      return x <= c.value;
    case "SCMP_CMP_GT":
      return x > c.value;
    case "SCMP_CMP_GE":
      return x >= c.value;
    case "SCMP_CMP_MASKED_EQ":
      return (x & c.value) === c.valueTwo;
  }
}

/** smallestSatisfying, kept on the first condition for the second (null: none holds). */
function remembered(a: Condition, b: Condition | undefined): bigint | undefined {
  a.solved ??= new Map();
  let value = a.solved.get(b);
  if (value === undefined) a.solved.set(b, (value = smallestSatisfying(a, b) ?? null));
  return value ?? undefined;
}

/**
 * The smallest candidate satisfying one or two conditions on an argument. Candidates are the
 * boundaries of the comparisons (0, the maximum, each value and its neighbours) and, for each,
 * the nearest values with the masked bits set as the masks require.
 */
function smallestSatisfying(first: Condition, second: Condition | undefined): bigint | undefined {
  if (first.small && (second === undefined || second.small)) return smallestSatisfyingSmall(first, second);
  const a = wide(first);
  const b = second === undefined ? undefined : wide(second);
  let best: bigint | undefined;
  const consider = (x: bigint) => {
    if ((best === undefined || x < best) && holds(x, a) && (b === undefined || holds(x, b))) best = x;
  };
  let fixedBits = 0n;
  let fixedValue = 0n;
  for (const c of b === undefined ? [a] : [a, b]) {
    if (c.op !== "SCMP_CMP_MASKED_EQ") continue;
    fixedBits |= c.value;
    fixedValue |= c.valueTwo;
  }
  const free = ~fixedBits & MAX;
  const step = free & -free; // lowest free bit
  // Without a mask, a value is its own nearest, and its neighbours are the next ones.
  const fit = fixedBits === 0n && fixedValue === 0n ? (x: bigint) => x : (x: bigint) => (x & free) | fixedValue;
  const boundary = (x: bigint) => {
    if (x < 0n || x > MAX) return;
    consider(x);
    const base = fit(x);
    consider(base);
    if (step === 0n) return;
    for (const y of [base + step, base - step]) if (y >= 0n && y <= MAX) consider(fit(y));
  };
  // No value with the masked bits set as required is below fixedValue: once it is found, stop.
  boundary(0n);
  if (best === fixedValue) return best;
  boundary(MAX);
  for (const c of b === undefined ? [a] : [a, b]) {
    boundary(c.value - 1n);
    boundary(c.value);
    boundary(c.value + 1n);
    if (best === fixedValue) return best;
  }
  return best;
}

/**
 * smallestSatisfying for values below SMALL, in numbers: the same candidates, apart from those
 * near 2^64 (from the maximum), which only smallestNearMaximum computes, when no other holds:
 * they are above all the rest.
 */
function smallestSatisfyingSmall(a: Condition, b: Condition | undefined): bigint | undefined {
  let fixedBits = 0;
  let fixedValue = 0;
  if (a.op === "SCMP_CMP_MASKED_EQ") {
    fixedBits = a.number;
    fixedValue = a.numberTwo;
  }
  if (b !== undefined && b.op === "SCMP_CMP_MASKED_EQ") {
    fixedBits |= b.number;
    fixedValue |= b.numberTwo;
  }
  const mask = { fixedBits, fixedValue, step: (~fixedBits & (fixedBits + 1)) >>> 0 /* lowest free bit */ };
  // Boundaries: 0, each value and its neighbours. None below fixedValue has the masked bits as
  // required, so the search stops there.
  let best = nearest(0, Infinity, a, b, mask);
  for (let d = -1; d <= 1 && best !== fixedValue; d++) best = nearest(a.number + d, best, a, b, mask);
  if (b !== undefined) for (let d = -1; d <= 1 && best !== fixedValue; d++) best = nearest(b.number + d, best, a, b, mask);
  return best !== Infinity ? BigInt(best) : smallestNearMaximum(a, b, mask);
}

interface Mask {
  fixedBits: number;
  fixedValue: number;
  step: number;
}

/** best, or the smallest of the candidates a boundary x gives that satisfies both conditions. */
function nearest(x: number, best: number, a: Condition, b: Condition | undefined, mask: Mask): number {
  if (x < 0) return best;
  best = better(x, best, a, b);
  const base = fit(x, mask);
  best = better(base, best, a, b);
  best = better(fit(base + mask.step, mask), best, a, b);
  return base - mask.step >= 0 ? better(fit(base - mask.step, mask), best, a, b) : best;
}

/** The nearest value to x with the masked bits as required; below 2^32, `>>> 0` reads the bits as unsigned. */
function fit(x: number, { fixedBits, fixedValue }: Mask): number {
  return fixedBits === 0 && fixedValue === 0 ? x : ((x & ~fixedBits) | fixedValue) >>> 0;
}

/** x, if it is below best and satisfies both conditions; else best. */
function better(x: number, best: number, a: Condition, b: Condition | undefined): number {
  return x < best && holdsSmall(x, a) && (b === undefined || holdsSmall(x, b)) ? x : best;
}

/** The values near 2^64 below are 2^64 - 2^31 + (bit 30, and the low 30 bits), written as that number. */
const BELOW_NEAR_MAXIMUM = MAX + 1n - 2n * BigInt(SMALL);
const LOW = SMALL - 1;

/**
 * The candidates smallestSatisfying derives from the maximum, for values below SMALL: above bit
 * 30 all bits are set; bit 30 is, but after a borrow; below, the mask decides. Each is written as
 * bit 30 and the low bits, a number below 2^31 that orders them, and holds as its low bits do,
 * above every value of the conditions.
 */
function smallestNearMaximum(a: Condition, b: Condition | undefined, mask: Mask): bigint | undefined {
  const base = fit(LOW, mask);
  const { step } = mask;
  // The maximum, its fit, and the fits of its neighbours by the free step: one above only
  // without a carry past 2^64, one below borrowing bit 30 when the low bits are too few.
  let best = Infinity;
  best = betterNearMaximum(SMALL + LOW, best, a, b);
  best = betterNearMaximum(SMALL + base, best, a, b);
  if (step > 0 && base + step < SMALL) best = betterNearMaximum(SMALL + fit(base + step, mask), best, a, b);
  if (step > 0) best = betterNearMaximum(base >= step ? SMALL + fit(base - step, mask) : fit(base - step + SMALL, mask), best, a, b);
  return best === Infinity ? undefined : BELOW_NEAR_MAXIMUM + BigInt(best);
}

function betterNearMaximum(x: number, best: number, a: Condition, b: Condition | undefined): number {
  const low = x % SMALL;
  return x < best && holdsNearMaximum(low, a) && (b === undefined || holdsNearMaximum(low, b)) ? x : best;
}

/** Whether a value near 2^64 with these low bits satisfies a condition whose values are below SMALL. */
function holdsNearMaximum(low: number, c: Condition): boolean {
  switch (c.op) {
    case "SCMP_CMP_EQ":
    case "SCMP_CMP_LT":
    case "SCMP_CMP_LE":
      return false;
    case "SCMP_CMP_NE":
    case "SCMP_CMP_GT":
    case "SCMP_CMP_GE":
      return true;
    case "SCMP_CMP_MASKED_EQ":
      return ((low & c.number) >>> 0) === c.numberTwo;
  }
}

function holdsSmall(x: number, c: Condition): boolean {
  switch (c.op) {
    case "SCMP_CMP_EQ":
      return x === c.number;
    case "SCMP_CMP_NE":
      return x !== c.number;
    case "SCMP_CMP_LT":
      return x < c.number;
    case "SCMP_CMP_LE":
      return x <= c.number;
    case "SCMP_CMP_GT":
      return x > c.number;
    case "SCMP_CMP_GE":
      return x >= c.number;
    case "SCMP_CMP_MASKED_EQ":
      return ((x & c.number) >>> 0) === c.numberTwo;
  }
}
