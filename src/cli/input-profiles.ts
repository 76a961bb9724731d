import type { ProfileSpec } from "../api/profile-spec.js";
import type { BaseLookup } from "../profile/resolve.js";
import type { Input } from "./inputs.js";
import { loadProfiles, type LoadedProfile } from "../profile/load.js";
import type { ConvertOptions } from "../profile/conversion.js";

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

/**
 * Resolves base profiles among the inputs, as the controller does in a cluster: in the
 * profile's own namespace first, then in the catalogue namespace.
 */
export function inputLookup(profiles: readonly SourcedProfile[], catalogueNamespace: string): BaseLookup {
  const byKey = new Map<string, ProfileSpec>();
  for (const p of profiles) if (p.spec !== undefined && p.name !== undefined) byKey.set(p.key, p.spec);
  return (name, from) => {
    const namespace = from.slice(0, from.indexOf("/"));
    for (const key of [`${namespace}/${name}`, `${catalogueNamespace}/${name}`]) {
      const spec = byKey.get(key);
      if (spec !== undefined) return { key, spec };
    }
    return undefined;
  };
}
