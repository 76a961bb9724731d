import { hash } from "node:crypto";
import type { SyscallArg, SyscallRule } from "../api/profile-spec.js";
import { ACTIONS, type Action, type Flag, type Operator } from "../api/seccomp-vocabulary.js";
import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { effectiveArchitectures } from "./effective-architectures.js";
import { orderDependentPairs } from "./condition-overlap.js";
import type { ResolvedSpec } from "./resolve.js";

/** The `linux.seccomp` object of an OCI runtime spec, as runc and crun read it. */
export interface OciSeccomp {
  defaultAction: Action;
  defaultErrnoRet?: number;
  architectures: ArchitectureToken[];
  flags?: Flag[];
  syscalls: OciSyscall[];
}

export interface OciSyscall {
  names: string[];
  action: Action;
  errnoRet?: number;
  args?: OciArg[];
}

export interface OciArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: Operator;
}

export interface RenderedProfile {
  /** The exact bytes a node writes: canonical JSON with a final newline. */
  json: string;
  /** sha256 of `json`, hex. */
  hash: string;
  document: OciSeccomp;
}

const ACTION_ORDER = new Map(ACTIONS.map((action, i) => [action, i]));

/**
 * Renders a resolved spec to canonical OCI JSON: fixed key order, architectures and flags
 * sorted, rules without argument conditions grouped per action with their names sorted, and
 * rules sorted. Two specs that mean the same give the same bytes, hence the same hash.
 */
export function renderProfile(spec: ResolvedSpec): RenderedProfile {
  // Insertion order is the key order of the JSON: build it field by field.
  const document = { defaultAction: spec.defaultAction } as OciSeccomp;
  if (spec.defaultErrnoRet !== undefined) document.defaultErrnoRet = spec.defaultErrnoRet;
  document.architectures = [...new Set(effectiveArchitectures(spec))].sort();
  if (spec.flags !== undefined && spec.flags.length > 0) document.flags = [...new Set(spec.flags)].sort();
  document.syscalls = canonicalRules(spec.syscalls ?? []);
  const json = `${JSON.stringify(document, null, 2)}\n`;
  return { json, hash: sha256(json), document };
}

export function sha256(text: string): string {
  return hash("sha256", text);
}

function canonicalRules(rules: readonly SyscallRule[]): OciSyscall[] {
  const grouped = new Map<string, { action: Action; errnoRet: number | undefined; names: string[] }>();
  const conditional = new Map<string, OciSyscall>();
  // Of each written conditional rule that is the first of its kind, its place among `conditional`.
  const placeOf: (number | undefined)[] = [];
  for (const [k, rule] of rules.entries()) {
    if (rule.args === undefined || rule.args.length === 0) {
      const key = `${rule.action}/${rule.errnoRet ?? ""}`;
      let group = grouped.get(key);
      if (group === undefined) {
        group = { action: rule.action, errnoRet: rule.errnoRet, names: [] };
        grouped.set(key, group);
      }
      for (const name of rule.names) group.names.push(name);
    } else {
      const out = ociRule(sortedUnique(rule.names), rule.action, rule.errnoRet);
      out.args = rule.args.map(canonicalArg).sort(compareArgs);
      const key = JSON.stringify(out);
      if (!conditional.has(key)) {
        placeOf[k] = conditional.size;
        conditional.set(key, out);
      }
    }
  }
  const unconditional = [...grouped.values()].map((g) => ociRule(sortedUnique(g.names), g.action, g.errnoRet));
  const canonical = [...conditional.values()];
  return keepPrecedence(unconditional, canonical, precedencePairs(rules, canonical, placeOf));
}

/**
 * The order-dependent pairs among the canonical conditional rules. They are those among the
 * written rules that are the first of their kind (a repeated rule adds nothing), which the
 * profile's check has already found: taken from there, not computed again. Only when the
 * written rules were too many to compare are the fewer canonical ones tried.
 */
function precedencePairs(rules: readonly SyscallRule[], canonical: readonly OciSyscall[], placeOf: readonly (number | undefined)[]): { earlier: number; later: number }[] | undefined {
  const written = orderDependentPairs(rules);
  if (written === undefined) return orderDependentPairs(canonical);
  const out: { earlier: number; later: number }[] = [];
  for (const { earlier, later } of written) {
    const e = placeOf[earlier];
    const l = placeOf[later];
    if (e !== undefined && l !== undefined) out.push({ earlier: e, later: l });
  }
  return out;
}

/** Sorted, then each name once: cheaper than a set of hundreds of names before the sort. */
function sortedUnique(names: readonly string[]): string[] {
  const sorted = [...names].sort();
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  return out;
}

/**
 * Rules in canonical order, except that of two conditional rules that some call matches with
 * different outcomes, the one written first stays first: libseccomp may let their order decide
 * (see test/enforcement/condition-precedence.test.ts). Without such pairs this is the plain
 * sort, so those profiles keep their hashes.
 */
function keepPrecedence(unconditional: OciSyscall[], conditional: OciSyscall[], pairs: readonly { earlier: number; later: number }[] | undefined): OciSyscall[] {
  // Too many to check: the written order of the conditional rules is kept (an unconditional rule wins whatever the order).
  if (pairs === undefined) return [...sortRules([...unconditional]), ...conditional];
  if (pairs.length === 0) return sortRules([...unconditional, ...conditional]);
  const before = new Map<OciSyscall, Set<OciSyscall>>();
  for (const { earlier, later } of pairs) {
    const set = before.get(conditional[later]!) ?? new Set();
    set.add(conditional[earlier]!);
    before.set(conditional[later]!, set);
  }
  const pending = sortRules([...unconditional, ...conditional]);
  const out: OciSyscall[] = [];
  while (pending.length > 0) {
    // The first rule in canonical order whose earlier rules are all out already.
    const next = pending.findIndex((rule) => [...(before.get(rule) ?? [])].every((e) => out.includes(e)));
    out.push(...pending.splice(next, 1));
  }
  return out;
}

function ociRule(names: string[], action: Action, errnoRet: number | undefined): OciSyscall {
  const out: OciSyscall = { names, action };
  if (errnoRet !== undefined) out.errnoRet = errnoRet;
  return out;
}

export function canonicalArg(arg: SyscallArg): OciArg {
  const out: OciArg = { index: arg.index, value: arg.value, op: arg.op };
  // valueTwo means something only for MASKED_EQ; elsewhere it is the OCI default, 0.
  if (arg.op === "SCMP_CMP_MASKED_EQ") {
    return { index: arg.index, value: arg.value, valueTwo: arg.valueTwo ?? 0, op: arg.op };
  }
  return out;
}

export function compareArgs(a: OciArg, b: OciArg): number {
  return a.index - b.index || a.op.localeCompare(b.op) || a.value - b.value || (a.valueTwo ?? 0) - (b.valueTwo ?? 0);
}

/** Sorts rules in canonical order, in place; a rule's arguments are written out once, when first needed to break a tie. */
function sortRules(rules: OciSyscall[]): OciSyscall[] {
  const argsText = new Map<OciSyscall, string>();
  const textOf = (rule: OciSyscall): string => {
    let text = argsText.get(rule);
    if (text === undefined) argsText.set(rule, (text = JSON.stringify(rule.args ?? [])));
    return text;
  };
  return rules.sort(
    (a, b) =>
      ACTION_ORDER.get(a.action)! - ACTION_ORDER.get(b.action)! ||
      (a.errnoRet ?? -1) - (b.errnoRet ?? -1) ||
      (a.args?.length ?? 0) - (b.args?.length ?? 0) ||
      compareNames(a.names, b.names) ||
      compareText(textOf(a), textOf(b)),
  );
}

function compareNames(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareText(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
