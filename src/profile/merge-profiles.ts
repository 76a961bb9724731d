import type { SyscallRule } from "../api/profile-spec.js";
import { ACTIONS, ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { effectiveArchitectures } from "./effective-architectures.js";
import { err, ok, type Result } from "./result.js";
import type { ResolvedSpec } from "./resolve.js";
import {
  defaultOutcome,
  describeOutcome,
  describeTreatment,
  namedTreatments,
  sameOutcome,
  sameTreatment,
  type ConditionalOutcome,
  type Outcome,
  type Treatment,
} from "./syscall-treatment.js";

/** A profile to merge, with the name messages use for it (e.g. `web.yaml#1 (shop/web)`). */
export interface MergeInput {
  source: string;
  spec: ResolvedSpec;
}

/**
 * The union of several profiles, e.g. recordings of several runs or replicas: every syscall
 * any of them names, with the rules that name it. Where they disagree (default action, or two
 * actions for one syscall) nothing is guessed: each disagreement is returned as an error
 * naming the syscall and every source, and there is no merged profile.
 */
export function mergeSpecs(inputs: readonly MergeInput[]): Result<ResolvedSpec, Diagnostic[]> {
  if (inputs.length === 0) return err([diagnostic("error", "merge-nothing", "", "no profiles to merge")]);
  const conflicts: Diagnostic[] = [];

  const defaults = inputs.map((input) => ({ source: input.source, outcome: defaultOutcome(input.spec) }));
  if (defaults.some((d) => !sameOutcome(d.outcome, defaults[0]!.outcome))) {
    conflicts.push(
      diagnostic("error", "merge-conflict", "spec.defaultAction", `the profiles have different default actions: ${defaults.map((d) => `${describeOutcome(d.outcome)} in ${d.source}`).join(", ")}`, "make them agree before merging"),
    );
  }

  const byName = new Map<string, { source: string; treatment: Treatment }[]>();
  for (const input of inputs) {
    for (const [name, treatment] of namedTreatments(input.spec)) {
      const list = byName.get(name) ?? [];
      list.push({ source: input.source, treatment });
      byName.set(name, list);
    }
  }

  const unconditional = new Map<string, { outcome: Outcome; names: string[] }>();
  const conditional: { name: string; rule: ConditionalOutcome }[] = [];
  for (const name of [...byName.keys()].sort()) {
    const entries = byName.get(name)!;
    const outcomes = distinctOutcomes(entries.map((e) => e.treatment));
    const identical = entries.every((e) => sameTreatment(e.treatment, entries[0]!.treatment));
    if (!identical && outcomes.length > 1) {
      conflicts.push(
        diagnostic("error", "merge-conflict", "spec.syscalls", `${name}: ${entries.map((e) => `${describeTreatment(e.treatment)} in ${e.source}`).join(", ")}`, "decide on one action for it in the inputs"),
      );
      continue;
    }
    // One action for every rule: an unconditional rule covers the conditional ones, and
    // conditions joined under one action are their union.
    const whole = entries.find((e) => e.treatment.kind === "unconditional");
    if (whole !== undefined && whole.treatment.kind === "unconditional") {
      addUnconditional(unconditional, whole.treatment.outcome, name);
    } else {
      const seen = new Set<string>();
      for (const entry of entries) {
        if (entry.treatment.kind !== "conditional") continue;
        for (const rule of entry.treatment.rules) {
          const key = JSON.stringify(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          conditional.push({ name, rule });
        }
      }
    }
  }
  if (conflicts.length > 0) return err(conflicts);

  const first = inputs[0]!.spec;
  const merged: ResolvedSpec = { defaultAction: first.defaultAction };
  if (first.defaultErrnoRet !== undefined) merged.defaultErrnoRet = first.defaultErrnoRet;
  const architectures = mergedArchitectures(inputs.map((i) => i.spec));
  if (architectures !== undefined) merged.architectures = architectures;
  const flags = [...new Set(inputs.flatMap((i) => i.spec.flags ?? []))].sort();
  if (flags.length > 0) merged.flags = flags;
  const order = new Map(ACTIONS.map((a, i) => [a, i]));
  const groups = [...unconditional.values()].sort(
    (a, b) => order.get(a.outcome.action)! - order.get(b.outcome.action)! || (a.outcome.errnoRet ?? -1) - (b.outcome.errnoRet ?? -1),
  );
  merged.syscalls = [
    ...groups.map((g) => rule(g.names, g.outcome)),
    ...conditional.map((c) => ({ ...rule([c.name], c.rule), args: c.rule.args })),
  ];
  return ok(merged);
}

function rule(names: string[], outcome: Outcome): SyscallRule {
  return outcome.errnoRet === undefined ? { names, action: outcome.action } : { names, action: outcome.action, errnoRet: outcome.errnoRet };
}

function addUnconditional(groups: Map<string, { outcome: Outcome; names: string[] }>, outcome: Outcome, name: string): void {
  const key = describeOutcome(outcome);
  const group = groups.get(key) ?? { outcome, names: [] };
  group.names.push(name);
  groups.set(key, group);
}

function distinctOutcomes(treatments: readonly Treatment[]): Outcome[] {
  const out: Outcome[] = [];
  for (const t of treatments) {
    const outcomes = t.kind === "unconditional" ? [t.outcome] : t.rules;
    for (const o of outcomes) if (!out.some((x) => sameOutcome(x, o))) out.push(o);
  }
  return out;
}

/** A profile without architectures covers the default list, so the union includes it; none listed anywhere stays none. */
function mergedArchitectures(specs: readonly ResolvedSpec[]): ArchitectureToken[] | undefined {
  if (specs.every((s) => s.architectures === undefined || s.architectures.length === 0)) return undefined;
  const union = new Set(specs.flatMap((s) => effectiveArchitectures(s)));
  return ARCHITECTURE_TOKENS.filter((t) => union.has(t));
}
