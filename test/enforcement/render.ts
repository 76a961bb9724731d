/**
 * The one place this suite turns profiles into `linux.seccomp` objects: through the engine,
 * parsing the exact JSON bytes a node would write, so every enforcement test checks what
 * the engine renders and not what the test wrote.
 */
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import { renderFromText, renderSpec } from "../render-spec.js";

export type { ProfileSpec };

/** A `linux.seccomp` object as runc reads it from config.json. */
export type OciSeccomp = Record<string, unknown>;

export function render(spec: ProfileSpec): OciSeccomp {
  return JSON.parse(renderSpec(spec).json) as OciSeccomp;
}

/** A profile file's text: Docker/OCI JSON or a SeccompProfile manifest. */
export function renderText(text: string): OciSeccomp {
  return JSON.parse(renderFromText(text).json) as OciSeccomp;
}
