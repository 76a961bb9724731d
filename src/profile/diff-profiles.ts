import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { effectiveArchitectures } from "./effective-architectures.js";
import type { ResolvedSpec } from "./resolve.js";
import { syscallNumber } from "./syscall-table.js";
import {
  defaultOutcome,
  describeOutcome,
  describeTreatment,
  namedTreatments,
  sameOutcome,
  sameTreatment,
  treatmentOf,
  treatmentPermission,
} from "./syscall-treatment.js";

/** One syscall whose treatment differs: `kind` says whether the action or the argument conditions changed. */
export interface SyscallChange {
  syscall: string;
  kind: "action" | "conditions";
  a: string;
  b: string;
}

export interface ArchitectureDiff {
  architecture: ArchitectureToken;
  /** Always allowed by A, never by B. */
  allowedOnlyByA: string[];
  allowedOnlyByB: string[];
  changed: SyscallChange[];
}

export interface ProfileDiff {
  same: boolean;
  defaultAction?: { a: string; b: string };
  architecturesOnlyInA: ArchitectureToken[];
  architecturesOnlyInB: ArchitectureToken[];
  flagsOnlyInA: string[];
  flagsOnlyInB: string[];
  /** Architectures both profiles filter on where some syscall differs, in ARCHITECTURE_TOKENS order. */
  architectures: ArchitectureDiff[];
}

/**
 * What changes from profile A to profile B, per architecture both filter on: a syscall counts
 * on an architecture only where it exists there, so `open` differs on x86_64 but not on aarch64.
 * Syscalls neither profile names follow the default action, whose change is reported once.
 */
export function diffSpecs(a: ResolvedSpec, b: ResolvedSpec): ProfileDiff {
  const archA = new Set(effectiveArchitectures(a));
  const archB = new Set(effectiveArchitectures(b));
  const flagsA = new Set<string>(a.flags ?? []);
  const flagsB = new Set<string>(b.flags ?? []);
  const namedA = namedTreatments(a);
  const namedB = namedTreatments(b);
  const names = [...new Set([...namedA.keys(), ...namedB.keys()])].sort();

  const architectures: ArchitectureDiff[] = [];
  for (const architecture of ARCHITECTURE_TOKENS) {
    if (!archA.has(architecture) || !archB.has(architecture)) continue;
    const entry: ArchitectureDiff = { architecture, allowedOnlyByA: [], allowedOnlyByB: [], changed: [] };
    for (const name of names) {
      if (syscallNumber(architecture, name) === undefined) continue;
      const ta = treatmentOf(a, namedA, name);
      const tb = treatmentOf(b, namedB, name);
      if (sameTreatment(ta, tb)) continue;
      const pa = treatmentPermission(ta);
      const pb = treatmentPermission(tb);
      if (pa === "always" && pb === "never") entry.allowedOnlyByA.push(name);
      else if (pa === "never" && pb === "always") entry.allowedOnlyByB.push(name);
      else {
        const kind = ta.kind === "unconditional" && tb.kind === "unconditional" ? "action" : "conditions";
        entry.changed.push({ syscall: name, kind, a: describeTreatment(ta), b: describeTreatment(tb) });
      }
    }
    if (entry.allowedOnlyByA.length + entry.allowedOnlyByB.length + entry.changed.length > 0) architectures.push(entry);
  }

  const out: ProfileDiff = {
    same: false,
    architecturesOnlyInA: ARCHITECTURE_TOKENS.filter((t) => archA.has(t) && !archB.has(t)),
    architecturesOnlyInB: ARCHITECTURE_TOKENS.filter((t) => archB.has(t) && !archA.has(t)),
    flagsOnlyInA: [...flagsA].filter((f) => !flagsB.has(f)).sort(),
    flagsOnlyInB: [...flagsB].filter((f) => !flagsA.has(f)).sort(),
    architectures,
  };
  const da = defaultOutcome(a);
  const db = defaultOutcome(b);
  if (!sameOutcome(da, db)) out.defaultAction = { a: describeOutcome(da), b: describeOutcome(db) };
  out.same =
    out.defaultAction === undefined &&
    out.architecturesOnlyInA.length + out.architecturesOnlyInB.length + out.flagsOnlyInA.length + out.flagsOnlyInB.length + architectures.length === 0;
  return out;
}
