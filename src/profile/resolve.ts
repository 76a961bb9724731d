import type { ProfileSpec, SyscallRule } from "../api/profile-spec.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { err, ok, type Result } from "./result.js";

/** A spec with its inheritance flattened: what the renderer takes. */
export type ResolvedSpec = Omit<ProfileSpec, "baseProfileName">;

export interface ResolvedProfile {
  spec: ResolvedSpec;
  /** The profile and its bases, most derived first, as lookup keys (e.g. `ns/name`). */
  chain: string[];
}

/** Finds a base profile by name; the caller decides where to look (own and catalogue namespaces). */
export type BaseLookup = (name: string, from: string) => { key: string; spec: ProfileSpec } | { error: string } | undefined;

export const MAX_BASE_DEPTH = 10;

/**
 * Flattens `baseProfileName` chains. Rules are united; where a profile and its base both name a
 * syscall, the derived profile's rules for it replace the base's (so a child can tighten or
 * loosen one syscall without a conflict). The most derived `defaultAction`/`defaultErrnoRet`
 * win, `architectures` come from the nearest profile that lists some, and `flags` are united.
 */
export function resolveSpec(key: string, spec: ProfileSpec, lookup: BaseLookup): Result<ResolvedProfile, Diagnostic> {
  const chain: { key: string; spec: ProfileSpec }[] = [{ key, spec }];
  let current = spec;
  while (current.baseProfileName !== undefined) {
    const from = chain[chain.length - 1]!.key;
    const found = lookup(current.baseProfileName, from);
    const shown = [...chain.map((c) => c.key), current.baseProfileName].join(" -> ");
    if (found === undefined) {
      return err(diagnostic("error", "base-not-found", "spec.baseProfileName", `base profile ${current.baseProfileName} not found (chain: ${shown})`));
    }
    if ("error" in found) {
      return err(diagnostic("error", "base-not-allowed", "spec.baseProfileName", `${found.error} (chain: ${shown})`));
    }
    if (chain.some((c) => c.key === found.key)) {
      const cycle = [...chain.map((c) => c.key), found.key].join(" -> ");
      return err(diagnostic("error", "base-cycle", "spec.baseProfileName", `base profiles form a cycle: ${cycle}`));
    }
    chain.push(found);
    if (chain.length > MAX_BASE_DEPTH + 1) {
      return err(
        diagnostic(
          "error",
          "base-too-deep",
          "spec.baseProfileName",
          `base profile chain is deeper than ${MAX_BASE_DEPTH}: ${chain.map((c) => c.key).join(" -> ")}`,
        ),
      );
    }
    current = found.spec;
  }

  let merged: ResolvedSpec = withoutBase(chain[chain.length - 1]!.spec);
  for (let i = chain.length - 2; i >= 0; i--) merged = overlay(merged, chain[i]!.spec);
  return ok({ spec: merged, chain: chain.map((c) => c.key) });
}

function withoutBase(spec: ProfileSpec): ResolvedSpec {
  const { baseProfileName: _base, ...rest } = spec;
  return rest;
}

function overlay(base: ResolvedSpec, child: ProfileSpec): ResolvedSpec {
  const childRules = child.syscalls ?? [];
  const overridden = new Set(childRules.flatMap((rule) => rule.names));
  const inherited: SyscallRule[] = [];
  for (const rule of base.syscalls ?? []) {
    const names = rule.names.filter((name) => !overridden.has(name));
    if (names.length > 0) inherited.push({ ...rule, names });
  }
  const flags = [...new Set([...(base.flags ?? []), ...(child.flags ?? [])])];
  const architectures = child.architectures !== undefined && child.architectures.length > 0 ? child.architectures : base.architectures;
  const out: ResolvedSpec = { defaultAction: child.defaultAction, syscalls: [...inherited, ...childRules] };
  if (child.description !== undefined) out.description = child.description;
  if (child.defaultErrnoRet !== undefined) out.defaultErrnoRet = child.defaultErrnoRet;
  if (architectures !== undefined) out.architectures = architectures;
  if (flags.length > 0) out.flags = flags;
  return out;
}
