import type { ProfileSpec } from "../api/profile-spec.js";
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { ESSENTIAL_SYSCALLS } from "./lint.js";
import { architecturesOf } from "./syscall-table.js";

export interface Recording {
  /** The syscalls seen on each ABI. */
  syscalls: ReadonlyMap<ArchitectureToken, Iterable<string>>;
  /** The ABI the command started on (the runtime's too). */
  native: ArchitectureToken;
  /** What the container runtime calls after loading the filter; empty for none. */
  runtimeNeeds: readonly string[];
  /** The command line, for the description. */
  command: readonly string[];
}

/**
 * An allowlist of exactly what a recording saw, plus what every process needs to end and to
 * return from signal handlers (lint rule SCP001) and what the runtime needs, on the ABIs the
 * recording saw. Names and architectures are sorted, so one recording always gives one text.
 */
export function recordedSpec(recording: Recording): ProfileSpec {
  const seen = new Set<ArchitectureToken>([recording.native, ...recording.syscalls.keys()]);
  const architectures = ARCHITECTURE_TOKENS.filter((t) => seen.has(t));
  const names = new Set<string>([...ESSENTIAL_SYSCALLS, ...recording.runtimeNeeds]);
  for (const list of recording.syscalls.values()) for (const name of list) names.add(name);
  // A runtime need that does not exist on these ABIs (e.g. newfstatat on arm) would only be noise.
  const kept = [...names].filter((name) => architecturesOf(name).some((a) => seen.has(a))).sort();
  return {
    description: `Recorded with strace from: ${recording.command.join(" ")}`.slice(0, 1024),
    defaultAction: "SCMP_ACT_ERRNO",
    architectures,
    syscalls: [{ names: kept, action: "SCMP_ACT_ALLOW" }],
  };
}
