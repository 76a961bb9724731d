// The one compile path, from a profile to the bytes its nodes write: base resolution (by the
// rule in api/name-resolution.ts), the checks the merge needs, lint and render. The CLI (files),
// the agent and the controller (cluster objects) all compile through compileProfile, so a node
// writes exactly what `seccomp-operator render` prints, and refuses what `lint` refuses.
import { resolveName } from "../api/name-resolution.js";
import type { ProfileSpec } from "../api/profile-spec.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { lintSpec } from "./lint.js";
import { checkSpec } from "./load.js";
import { renderProfile, type RenderedProfile } from "./render.js";
import { resolveSpec, type BaseLookup, type ResolvedSpec } from "./resolve.js";
import { checkSemantics } from "./semantic-check.js";
import { err, ok, type Result } from "./result.js";

/** A profile as the compile path sees it: where it lives, and its spec or why it has none. */
export type ProfileEntry = { namespace: string; name: string } & ({ spec: ProfileSpec } | { spec?: undefined; errors: Diagnostic[] });

/** Finds a profile by namespace and name (a cache, or the CLI's inputs). */
export type ProfileLookup = (namespace: string, name: string) => ProfileEntry | undefined;

export interface Compiled {
  /** The profile with its bases flattened in, as rendered. */
  spec: ResolvedSpec;
  rendered: RenderedProfile;
  /** The profile and its bases, most derived first, as `namespace/name`. */
  chain: string[];
  /** Warnings of the merged profile and lint findings. */
  findings: Diagnostic[];
}

/** Bases resolve in the profile's namespace, then the catalogue's; an invalid base is named, with its first error. */
export function baseLookup(lookup: ProfileLookup, catalogueNamespace: string): BaseLookup {
  return (name, from) => {
    const resolved = resolveName(from.slice(0, from.indexOf("/")), name, catalogueNamespace, lookup);
    if (resolved === undefined) return undefined;
    const base = resolved.found;
    if (base.spec === undefined) {
      const first = base.errors.find((d) => d.severity === "error");
      return { error: `base profile ${resolved.key} is invalid${first === undefined ? "" : `: ${first.path}: ${first.message}`}` };
    }
    return { key: resolved.key, spec: base.spec };
  };
}

/**
 * Compiles one profile whose own spec passed its checks. Merging bases can create
 * contradictions neither profile had alone, so a merged spec is checked again; without a base,
 * the checks the spec already passed are the ones that count.
 */
export function compileProfile(
  profile: { namespace: string; name: string; spec: ProfileSpec },
  lookup: ProfileLookup,
  catalogueNamespace: string,
  options: { lint?: boolean } = {},
): Result<Compiled, Diagnostic[]> {
  const resolved = resolveSpec(`${profile.namespace}/${profile.name}`, profile.spec, baseLookup(lookup, catalogueNamespace));
  if (!resolved.ok) return err([resolved.error]);
  const semantic = resolved.value.chain.length > 1 ? checkSemantics(resolved.value.spec) : [];
  if (hasErrors(semantic)) return err(semantic.filter((d) => d.severity === "error"));
  const findings = [...semantic, ...(options.lint === false ? [] : lintSpec(resolved.value.spec))];
  return ok({ spec: resolved.value.spec, rendered: renderProfile(resolved.value.spec), chain: resolved.value.chain, findings });
}

/** Diagnostics one profile's compile reports at most, errors first; a last one counts the rest. */
export const MAX_DIAGNOSTICS = 256;

function capped(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS) return diagnostics;
  const sorted = [...diagnostics.filter((d) => d.severity === "error"), ...diagnostics.filter((d) => d.severity !== "error")];
  const kept = sorted.slice(0, MAX_DIAGNOSTICS - 1);
  const left = diagnostics.length - kept.length;
  return [...kept, { rule: "too-many-diagnostics", severity: kept[kept.length - 1]!.severity, path: "spec", message: `and ${left} more (only the first ${kept.length} are listed)` }];
}

/** Cached objects are replaced, never changed, so a base's check is done once however many children it has. */
const entries = new WeakMap<SeccompProfile, ProfileEntry & { diagnostics: Diagnostic[] }>();

/** A SeccompProfile from the cluster as the compile path sees it, its spec checked as a file's would be. */
export function entryOf(object: SeccompProfile): ProfileEntry & { diagnostics: Diagnostic[] } {
  let entry = entries.get(object);
  if (entry === undefined) entries.set(object, (entry = checkEntry(object)));
  return entry;
}

function checkEntry(object: SeccompProfile): ProfileEntry & { diagnostics: Diagnostic[] } {
  const namespace = object.metadata.namespace ?? "";
  const name = object.metadata.name ?? "";
  const checked = checkSpec(object.spec);
  // Most profiles have nothing to report: one empty list for all of them, not one each.
  const diagnostics = checked.diagnostics.length === 0 ? NO_DIAGNOSTICS : checked.diagnostics;
  return checked.spec === undefined ? { namespace, name, errors: diagnostics, diagnostics } : { namespace, name, spec: checked.spec, diagnostics };
}

const NO_DIAGNOSTICS: Diagnostic[] = Object.freeze([]) as unknown as Diagnostic[];

/**
 * The object with its spec as checked, for a cache that keeps profiles: the check builds its own
 * copy of a valid spec, and a cache that kept the original as well would hold every spec twice.
 */
export function withCheckedSpec(object: SeccompProfile): SeccompProfile {
  const entry = entryOf(object);
  if (entry.spec === undefined || entry.spec === object.spec) return object;
  const out = { ...object, spec: entry.spec };
  entries.set(out, entry);
  return out;
}

/** Finds a SeccompProfile object (as the API server returns it) by namespace and name. */
export type ObjectLookup = (namespace: string, name: string) => SeccompProfile | undefined;

/** compileProfile for a SeccompProfile in a cluster, with bases from the same cache; the agent and the controller call this. */
export function compileObject(object: SeccompProfile, lookup: ObjectLookup, catalogueNamespace: string): Result<Compiled, Diagnostic[]> {
  const entry = entryOf(object);
  if (entry.spec === undefined) return err(capped(entry.diagnostics.filter((d) => d.severity === "error")));
  const compiled = compileProfile(entry, (ns, n) => {
    const found = lookup(ns, n);
    return found === undefined ? undefined : entryOf(found);
  }, catalogueNamespace);
  if (!compiled.ok) return err(capped(compiled.error));
  return ok({ ...compiled.value, findings: capped([...entry.diagnostics.filter((d) => d.severity !== "error"), ...compiled.value.findings]) });
}

/** One line for a status message or an event: the first errors, with their fields. */
export function summarize(diagnostics: readonly Diagnostic[], limit = 3): string {
  const shown = diagnostics.slice(0, limit).map((d) => `${d.path === "" ? "" : `${d.path}: `}${d.message}`);
  const more = diagnostics.length > limit ? ` (and ${diagnostics.length - limit} more)` : "";
  return `${shown.join("; ")}${more}`;
}
