import type { SyscallArg } from "../api/profile-spec.js";
import type { Action, Operator } from "../api/seccomp-vocabulary.js";
import { isPermissive, type Permission } from "./permissions.js";
import { canonicalArg, compareArgs } from "./render.js";
import type { ResolvedSpec } from "./resolve.js";

/** An action with the errno it returns; runc returns EPERM for ERRNO without one. */
export interface Outcome {
  action: Action;
  errnoRet?: number;
}

export interface ConditionalOutcome extends Outcome {
  args: SyscallArg[];
}

/**
 * What a profile does with one syscall: an outcome for every call, or conditional rules with
 * the default action for calls that match none of them (runc lets an unconditional rule win
 * over conditional ones, whatever their order).
 */
export type Treatment =
  | { kind: "unconditional"; outcome: Outcome; fromDefault: boolean }
  | { kind: "conditional"; rules: ConditionalOutcome[]; otherwise: Outcome };

const EPERM = 1;

export function normalizeOutcome(action: Action, errnoRet: number | undefined): Outcome {
  if (action === "SCMP_ACT_ERRNO") return { action, errnoRet: errnoRet ?? EPERM };
  return errnoRet === undefined ? { action } : { action, errnoRet };
}

export function defaultOutcome(spec: ResolvedSpec): Outcome {
  return normalizeOutcome(spec.defaultAction, spec.defaultErrnoRet);
}

/** The treatment of every syscall a profile names, by name. */
export function namedTreatments(spec: ResolvedSpec): Map<string, Treatment> {
  const otherwise = defaultOutcome(spec);
  const unconditional = new Map<string, Outcome>();
  const conditional = new Map<string, ConditionalOutcome[]>();
  for (const rule of spec.syscalls ?? []) {
    const outcome = normalizeOutcome(rule.action, rule.errnoRet);
    for (const name of rule.names) {
      if (rule.args === undefined || rule.args.length === 0) {
        if (!unconditional.has(name)) unconditional.set(name, outcome);
      } else {
        const list = conditional.get(name) ?? [];
        const args = [...rule.args].map(canonicalArg).sort(compareArgs);
        const entry = { ...outcome, args };
        if (!list.some((r) => sameConditional(r, entry))) list.push(entry);
        conditional.set(name, list);
      }
    }
  }
  const out = new Map<string, Treatment>();
  for (const [name, outcome] of unconditional) out.set(name, { kind: "unconditional", outcome, fromDefault: false });
  for (const [name, rules] of conditional) {
    if (out.has(name)) continue;
    out.set(name, { kind: "conditional", rules: [...rules].sort(compareConditionals), otherwise });
  }
  return out;
}

/** The treatment of `name`, falling back to the default action for a syscall the profile does not name. */
export function treatmentOf(spec: ResolvedSpec, named: ReadonlyMap<string, Treatment>, name: string): Treatment {
  return named.get(name) ?? { kind: "unconditional", outcome: defaultOutcome(spec), fromDefault: true };
}

export function treatmentPermission(treatment: Treatment): Permission {
  if (treatment.kind === "unconditional") return isPermissive(treatment.outcome.action) ? "always" : "never";
  const permissive = [...treatment.rules.map((r) => isPermissive(r.action)), isPermissive(treatment.otherwise.action)];
  if (permissive.every(Boolean)) return "always";
  return permissive.some(Boolean) ? "sometimes" : "never";
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.action === b.action && a.errnoRet === b.errnoRet;
}

export function sameTreatment(a: Treatment, b: Treatment): boolean {
  if (a.kind === "unconditional" || b.kind === "unconditional") {
    return a.kind === "unconditional" && b.kind === "unconditional" && sameOutcome(a.outcome, b.outcome);
  }
  return sameOutcome(a.otherwise, b.otherwise) && a.rules.length === b.rules.length && a.rules.every((r, i) => sameConditional(r, b.rules[i]!));
}

export function describeOutcome(outcome: Outcome): string {
  return outcome.errnoRet === undefined ? outcome.action : `${outcome.action} (errno ${outcome.errnoRet})`;
}

const OPERATOR_TEXT: Readonly<Record<Operator, string>> = {
  SCMP_CMP_NE: "!=",
  SCMP_CMP_LT: "<",
  SCMP_CMP_LE: "<=",
  SCMP_CMP_EQ: "==",
  SCMP_CMP_GE: ">=",
  SCMP_CMP_GT: ">",
  SCMP_CMP_MASKED_EQ: "&",
};

export function describeArgs(args: readonly SyscallArg[]): string {
  return args
    .map((a) => (a.op === "SCMP_CMP_MASKED_EQ" ? `arg${a.index} & ${a.value} == ${a.valueTwo ?? 0}` : `arg${a.index} ${OPERATOR_TEXT[a.op]} ${a.value}`))
    .join(" && ");
}

/** `SCMP_ACT_ALLOW`, or `SCMP_ACT_ALLOW if arg0 == 0; otherwise SCMP_ACT_ERRNO (errno 1)`. */
export function describeTreatment(treatment: Treatment): string {
  if (treatment.kind === "unconditional") return `${treatment.fromDefault ? "default " : ""}${describeOutcome(treatment.outcome)}`;
  const rules = treatment.rules.map((r) => `${describeOutcome(r)} if ${describeArgs(r.args)}`);
  return `${rules.join("; ")}; otherwise ${describeOutcome(treatment.otherwise)}`;
}

function conditionalKey(rule: ConditionalOutcome): string {
  return JSON.stringify([rule.action, rule.errnoRet ?? null, rule.args]);
}

function sameConditional(a: ConditionalOutcome, b: ConditionalOutcome): boolean {
  return conditionalKey(a) === conditionalKey(b);
}

function compareConditionals(a: ConditionalOutcome, b: ConditionalOutcome): number {
  const x = conditionalKey(a);
  const y = conditionalKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
