// Rendering shortcuts for tests: one profile without a base, errors thrown. The operator itself
// goes through compileProfile (src/profile/compile.ts), which reports every diagnostic.
import type { ProfileSpec } from "../src/api/profile-spec.js";
import type { Diagnostic } from "../src/profile/diagnostics.js";
import { loadProfiles } from "../src/profile/load.js";
import { renderProfile, type RenderedProfile } from "../src/profile/render.js";
import { resolveSpec } from "../src/profile/resolve.js";
import { checkSemantics } from "../src/profile/semantic-check.js";

/** Thrown by the convenience functions below; carries every error found. */
export class ProfileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.path || "<document>"}: ${d.message}`).join("; "));
    this.name = "ProfileError";
  }
}

/**
 * Renders the single profile in a text (any supported format) that has no base profile.
 * For tests and scripts; the CLI and the controllers use the parts, to report every error.
 */
export function renderFromText(text: string): RenderedProfile {
  const loaded = loadProfiles(text);
  if (loaded.length !== 1) throw new ProfileError([{ rule: "documents", severity: "error", path: "", message: `expected one profile, found ${loaded.length}` }]);
  const [profile] = loaded;
  if (profile!.spec === undefined) throw new ProfileError(profile!.diagnostics.filter((d) => d.severity === "error"));
  return renderSpec(profile!.spec);
}

/**
 * Renders a spec that names no base profile, refusing one with semantic errors: runc keeps the
 * first of two contradicting rules, which canonical ordering would change.
 */
export function renderSpec(spec: ProfileSpec): RenderedProfile {
  const resolved = resolveSpec("profile", spec, () => undefined);
  if (!resolved.ok) throw new ProfileError([resolved.error]);
  const errors = checkSemantics(resolved.value.spec).filter((d) => d.severity === "error");
  if (errors.length > 0) throw new ProfileError(errors);
  return renderProfile(resolved.value.spec);
}
