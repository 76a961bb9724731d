import { diagnostic, type Diagnostic } from "../profile/diagnostics.js";
import { lintSpec } from "../profile/lint.js";
import { renderProfile, type RenderedProfile } from "../profile/render.js";
import { resolveSpec, type BaseLookup } from "../profile/resolve.js";
import type { SourcedProfile } from "./input-profiles.js";

export interface Analysis {
  profile: SourcedProfile;
  diagnostics: Diagnostic[];
  rendered?: RenderedProfile;
}

/**
 * Resolves, optionally lints, and renders each profile, as the controller will. A base that
 * is not among the inputs is a warning here (it may live in the cluster's catalogue), and the
 * profile is then neither linted nor rendered.
 */
export function analyse(profiles: readonly SourcedProfile[], lookup: BaseLookup, options: { lint: boolean }): Analysis[] {
  return profiles.map((profile) => {
    const diagnostics = [...profile.diagnostics];
    if (profile.spec === undefined) return { profile, diagnostics };
    const resolved = resolveSpec(profile.key, profile.spec, lookup);
    if (!resolved.ok) {
      const error = resolved.error;
      diagnostics.push(
        error.rule === "base-not-found"
          ? diagnostic("warning", error.rule, error.path, `${error.message}: inheritance not checked`, "pass the base profile's file too")
          : error,
      );
      return { profile, diagnostics };
    }
    if (options.lint) diagnostics.push(...lintSpec(resolved.value.spec));
    return { profile, diagnostics, rendered: renderProfile(resolved.value.spec) };
  });
}
