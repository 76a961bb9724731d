import { SYSCALL_NAME_PATTERN, type ProfileSpec, type SyscallRule } from "../api/profile-spec.js";
import { isArchitectureToken, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { ARCHITECTURES, DEFAULT_ARCHITECTURES } from "./architectures.js";
import { ACTIONS_WITH_RETURN } from "../api/seccomp-vocabulary.js";
import { checkOverlappingConditions } from "./condition-overlap.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { effectiveArchitectures } from "./effective-architectures.js";
import { architectureMask, maskAt, suggestSyscall, syscallCount, syscallMask, syscallPosition } from "./syscall-table.js";

/** Unknown names reported one by one, and those given "did you mean" (a scan of the whole table each): bounded work and output whatever a profile holds. */
export const MAX_UNKNOWN_REPORTED = 64;
export const MAX_SUGGESTED = 16;

/** Counts unknown names in one pass, and says how many were not reported. */
interface UnknownNames {
  count: number;
}

function unreported(unknown: UnknownNames, path: string, out: Diagnostic[]): void {
  const left = unknown.count - MAX_UNKNOWN_REPORTED;
  if (left > 0) out.push(diagnostic("error", "unknown-syscall", path, `and ${left} more names that are not syscalls (only the first ${MAX_UNKNOWN_REPORTED} are listed)`));
}

/**
 * Checks what the schema cannot: syscall names against the kernel tables of the profile's
 * architectures, contradictions between rules, and combinations that runc would refuse or
 * silently reinterpret. Returns errors (the profile must not be installed) and warnings.
 */
export function checkSemantics(spec: ProfileSpec, prefix = "spec"): Diagnostic[] {
  const out: Diagnostic[] = [];
  const arches = effectiveArchitectures(spec);
  const archMask = architectureMask(arches);

  if (spec.defaultAction === "SCMP_ACT_NOTIFY") {
    out.push(
      diagnostic("error", "notify-default", `${prefix}.defaultAction`, "SCMP_ACT_NOTIFY cannot be the default action", "use SCMP_ACT_ERRNO or SCMP_ACT_LOG"),
    );
  }
  if (spec.defaultErrnoRet !== undefined && !ACTIONS_WITH_RETURN.includes(spec.defaultAction)) {
    out.push(errnoWithoutErrnoAction(`${prefix}.defaultErrnoRet`, "defaultErrnoRet", "defaultAction", spec.defaultAction));
  }

  const endians = new Set(arches.map((token) => ARCHITECTURES[token].endian));
  if (endians.size > 1) {
    out.push(
      diagnostic(
        "error",
        "mixed-byte-order",
        `${prefix}.architectures`,
        "little- and big-endian architectures cannot share one filter: runc fails every container with this profile",
        "list only the architectures of one byte order, e.g. X86_64 and AARCH64, or S390X alone",
      ),
    );
  }

  // The first unconditional rule naming each syscall, to find contradictions, and the last rule
  // naming it, to find names listed twice in one rule: arrays by table position (plus one, 0 for
  // none), maps for names the table lacks. Hundreds of names per profile are the hot path, so
  // plain loops, one map lookup per name, and paths built only for a finding.
  const firstRule = new Int32Array(syscallCount());
  const lastRule = new Int32Array(syscallCount());
  const firstRuleOfUnknown = new Map<string, number>();
  const firstUnconditional = (name: string, position: number): number => (position >= 0 ? firstRule[position]! - 1 : (firstRuleOfUnknown.get(name) ?? -1));
  const unknown: UnknownNames = { count: 0 };
  const rules = spec.syscalls ?? [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const rulePath = `${prefix}.syscalls[${i}]`;
    checkRule(rule, rulePath, out);
    const conditional = rule.args !== undefined && rule.args.length > 0;
    let unknownSeen: Set<string> | undefined;
    for (let j = 0; j < rule.names.length; j++) {
      const name = rule.names[j]!;
      const position = syscallPosition(name);
      const twice = position >= 0 ? lastRule[position] === i + 1 : (unknownSeen ??= new Set()).has(name);
      if (twice) {
        out.push(diagnostic("error", "duplicate-syscall", `${rulePath}.names[${j}]`, `${name} is listed twice in this rule`));
        continue;
      }
      if (position >= 0) lastRule[position] = i + 1;
      else unknownSeen!.add(name);
      checkName(name, position < 0 ? 0 : maskAt(position), rulePath, j, arches, archMask, out, unknown);
      if (conditional) continue;
      const firstIndex = firstUnconditional(name, position);
      if (firstIndex < 0) {
        if (position >= 0) firstRule[position] = i + 1;
        else firstRuleOfUnknown.set(name, i);
        continue;
      }
      const first = rules[firstIndex]!;
      if (first.action !== rule.action || first.errnoRet !== rule.errnoRet) {
        out.push(
          diagnostic(
            "error",
            "conflicting-actions",
            `${rulePath}.names[${j}]`,
            `${name} is given ${describeAction(rule)} here and ${describeAction(first)} in ${prefix}.syscalls[${firstIndex}]`,
            "keep one rule per syscall",
          ),
        );
      } else {
        out.push(diagnostic("warning", "duplicate-syscall", `${rulePath}.names[${j}]`, `${name} already has the same rule in ${prefix}.syscalls[${firstIndex}]`));
      }
    }
  }

  unreported(unknown, `${prefix}.syscalls`, out);
  out.push(...checkOverlappingConditions(spec, prefix));

  // runc lets an unconditional rule win over conditional rules for the same syscall, whatever the order.
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.args === undefined || rule.args.length === 0) continue;
    for (let j = 0; j < rule.names.length; j++) {
      const name = rule.names[j]!;
      const firstIndex = firstUnconditional(name, syscallPosition(name));
      const first = firstIndex < 0 ? undefined : rules[firstIndex]!;
      if (first !== undefined && first.action !== rule.action) {
        out.push(
          diagnostic(
            "warning",
            "shadowed-rule",
            `${prefix}.syscalls[${i}].names[${j}]`,
            `this conditional rule for ${name} never applies: ${prefix}.syscalls[${firstIndex}] gives it ${describeAction(first)} for every call`,
            "remove one of the two rules",
          ),
        );
      }
    }
  }
  return out;
}

function checkRule(rule: SyscallRule, path: string, out: Diagnostic[]): void {
  if (rule.action === "SCMP_ACT_NOTIFY") {
    out.push(
      diagnostic(
        "error",
        "notify-action",
        `${path}.action`,
        "SCMP_ACT_NOTIFY needs a seccomp agent listening on a socket, which a Localhost profile cannot configure",
        "use SCMP_ACT_ERRNO, or SCMP_ACT_LOG to observe",
      ),
    );
  }
  if (rule.errnoRet !== undefined && !ACTIONS_WITH_RETURN.includes(rule.action)) {
    out.push(errnoWithoutErrnoAction(`${path}.errnoRet`, "errnoRet", "action", rule.action));
  }
  const indices = new Set<number>();
  (rule.args ?? []).forEach((arg, k) => {
    const argPath = `${path}.args[${k}]`;
    if (arg.valueTwo !== undefined && arg.valueTwo !== 0 && arg.op !== "SCMP_CMP_MASKED_EQ") {
      out.push(
        diagnostic("error", "value-two-unused", `${argPath}.valueTwo`, `valueTwo is only used by SCMP_CMP_MASKED_EQ, not ${arg.op}`, "remove valueTwo"),
      );
    }
    if (arg.op === "SCMP_CMP_MASKED_EQ" && (BigInt(arg.valueTwo ?? 0) & ~BigInt(arg.value)) !== 0n) {
      out.push(
        diagnostic(
          "warning",
          "mask-never-matches",
          `${argPath}.valueTwo`,
          `valueTwo ${arg.valueTwo} has bits outside the mask ${arg.value}: the comparison can never match`,
        ),
      );
    }
    if (indices.has(arg.index)) {
      out.push(
        diagnostic(
          "warning",
          "repeated-argument",
          `${argPath}.index`,
          `argument ${arg.index} is compared more than once: runc turns such rules into alternatives (OR), not AND`,
          "write one rule per alternative to make the intent explicit",
        ),
      );
    }
    indices.add(arg.index);
  });
}

/** `mask`: the architectures that have `name` (syscallMask), 0 for an unknown name. */
function checkName(name: string, mask: number, rulePath: string, index: number, arches: readonly ArchitectureToken[], archMask: number, out: Diagnostic[], unknown: UnknownNames): void {
  if (mask === 0) {
    if (++unknown.count > MAX_UNKNOWN_REPORTED) return;
    const suggestions = unknown.count <= MAX_SUGGESTED ? suggestSyscall(name, arches) : [];
    out.push(
      diagnostic(
        "error",
        "unknown-syscall",
        `${rulePath}.names[${index}]`,
        `${name} is not a syscall on any architecture (runc would silently ignore it)`,
        suggestions.length > 0 ? `did you mean ${suggestions.join(", ")}?` : undefined,
      ),
    );
    return;
  }
  if ((mask & archMask) === 0) {
    out.push(
      diagnostic(
        "warning",
        "syscall-not-on-architectures",
        `${rulePath}.names[${index}]`,
        `${name} does not exist on any of this profile's architectures (${arches.join(", ")}), so this entry has no effect`,
      ),
    );
  }
}

function errnoWithoutErrnoAction(path: string, field: string, actionField: string, action: string): Diagnostic {
  return diagnostic("error", "errno-without-errno-action", path, `${field} is set but ${actionField} is ${action}, which returns no errno`, `remove ${field} or use SCMP_ACT_ERRNO`);
}

function describeAction(rule: SyscallRule): string {
  return rule.errnoRet === undefined ? rule.action : `${rule.action} (errno ${rule.errnoRet})`;
}

/**
 * Syscall-name checks on a candidate that failed the schema, so one typo in an action does not
 * hide another in a name: every error is reported in one pass.
 */
export function checkNamesLoosely(candidate: unknown, prefix = "spec"): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (candidate === null || typeof candidate !== "object") return out;
  const { syscalls, architectures } = candidate as { syscalls?: unknown; architectures?: unknown };
  if (!Array.isArray(syscalls)) return out;
  const listed = Array.isArray(architectures) ? architectures.filter((a): a is ArchitectureToken => typeof a === "string" && isArchitectureToken(a)) : [];
  const arches = listed.length > 0 ? listed : DEFAULT_ARCHITECTURES;
  const archMask = architectureMask(arches);
  const unknown: UnknownNames = { count: 0 };
  syscalls.forEach((rule: unknown, i) => {
    const names = rule !== null && typeof rule === "object" ? (rule as { names?: unknown }).names : undefined;
    if (!Array.isArray(names)) return;
    names.forEach((name: unknown, j) => {
      if (typeof name === "string" && SYSCALL_NAME_PATTERN.test(name)) checkName(name, syscallMask(name), `${prefix}.syscalls[${i}]`, j, arches, archMask, out, unknown);
    });
  });
  unreported(unknown, `${prefix}.syscalls`, out);
  return out;
}
