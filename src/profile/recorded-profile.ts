import type { ProfileSpec } from "../api/profile-spec.js";
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { ESSENTIAL_SYSCALLS } from "./lint.js";
import { permission } from "./permissions.js";
import type { ResolvedSpec } from "./resolve.js";
import { architecturesOf } from "./syscall-table.js";

export interface Recording {
  /** The syscalls seen on each ABI. */
  syscalls: ReadonlyMap<ArchitectureToken, Iterable<string>>;
  /** The ABI the command started on (the runtime's too). */
  native: ArchitectureToken;
  /** What the container runtime calls after loading the filter; empty for none. */
  runtimeNeeds: readonly string[];
  /** Where the recording comes from, for the profile's description. */
  description: string;
  /** A profile the result extends: what it always allows is left out, and the result names it. */
  base?: { name: string; spec: ResolvedSpec };
}

/**
 * An allowlist of exactly what a recording saw, plus what every process needs to end and to
 * return from signal handlers (lint rule SCP001) and what the runtime needs, on the ABIs the
 * recording saw; with a base, only what the base does not already allow. Names and
 * architectures are sorted, so one recording always gives one text.
 */
export function recordedSpec(recording: Recording): ProfileSpec {
  const seen = new Set<ArchitectureToken>([recording.native, ...recording.syscalls.keys()]);
  const architectures = ARCHITECTURE_TOKENS.filter((t) => seen.has(t));
  const names = new Set<string>([...ESSENTIAL_SYSCALLS, ...recording.runtimeNeeds]);
  for (const list of recording.syscalls.values()) for (const name of list) names.add(name);
  const base = recording.base;
  // A runtime need that does not exist on these ABIs (e.g. newfstatat on arm) would only be noise.
  const kept = [...names]
    .filter((name) => architecturesOf(name).some((a) => seen.has(a)))
    .filter((name) => base === undefined || permission(base.spec, name) !== "always")
    .sort();
  return {
    description: recording.description.slice(0, 1024),
    ...(base === undefined ? {} : { baseProfileName: base.name }),
    defaultAction: "SCMP_ACT_ERRNO",
    architectures,
    syscalls: kept.length === 0 ? [] : [{ names: kept, action: "SCMP_ACT_ALLOW" }],
  };
}
