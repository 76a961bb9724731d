// The profiles the CLI reads from files, compiled as the cluster compiles them: through
// compileProfile, with bases resolved among the inputs by the same rule (own namespace, then
// the catalogue's).
import { diagnostic, type Diagnostic } from "../profile/diagnostics.js";
import { compileProfile, type ProfileEntry, type ProfileLookup } from "../profile/compile.js";
import type { ConvertOptions } from "../profile/conversion.js";
import { loadProfiles, type LoadedProfile } from "../profile/load.js";
import type { RenderedProfile } from "../profile/render.js";
import type { Input } from "./inputs.js";

/** A profile read by the CLI, with where it came from. */
export interface SourcedProfile extends LoadedProfile {
  file: string;
  /** `namespace/name`; profiles without a namespace share the empty one. */
  key: string;
}

export function loadInputs(inputs: readonly Input[], options: ConvertOptions): SourcedProfile[] {
  return inputs.flatMap((input) =>
    loadProfiles(input.text, options).map((profile) => ({
      ...profile,
      file: input.file,
      key: `${profile.namespace ?? ""}/${profile.name ?? `${input.file}#${profile.label}`}`,
    })),
  );
}

/** The inputs as the compile path looks bases up; an invalid input is found, and named as invalid. */
export function inputLookup(profiles: readonly SourcedProfile[]): ProfileLookup {
  const byKey = new Map<string, ProfileEntry>();
  for (const p of profiles) {
    if (p.name === undefined) continue;
    const where = { namespace: p.namespace ?? "", name: p.name };
    if (!byKey.has(p.key)) byKey.set(p.key, p.spec === undefined ? { ...where, errors: p.diagnostics } : { ...where, spec: p.spec });
  }
  return (namespace, name) => byKey.get(`${namespace}/${name}`);
}

export interface Analysis {
  profile: SourcedProfile;
  diagnostics: Diagnostic[];
  rendered?: RenderedProfile;
}

/**
 * Compiles each profile, as a node will. A base that is not among the inputs is a warning here
 * (it may live in the cluster's catalogue), and the profile is then neither linted nor rendered.
 */
export function analyse(profiles: readonly SourcedProfile[], lookup: ProfileLookup, catalogueNamespace: string, options: { lint: boolean }): Analysis[] {
  return profiles.map((profile) => {
    const diagnostics = [...profile.diagnostics];
    if (profile.spec === undefined) return { profile, diagnostics };
    const [namespace, name] = [profile.key.slice(0, profile.key.indexOf("/")), profile.key.slice(profile.key.indexOf("/") + 1)];
    const compiled = compileProfile({ namespace, name, spec: profile.spec }, lookup, catalogueNamespace, { lint: options.lint });
    if (!compiled.ok) {
      for (const error of compiled.error) {
        diagnostics.push(
          error.rule === "base-not-found"
            ? diagnostic("warning", error.rule, error.path, `${error.message}: inheritance not checked`, "pass the base profile's file too")
            : error,
        );
      }
      return { profile, diagnostics };
    }
    diagnostics.push(...compiled.value.findings);
    return { profile, diagnostics, rendered: compiled.value.rendered };
  });
}
