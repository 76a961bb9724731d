import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { loadDocument } from "./load.js";
import { lintSpec } from "./lint.js";
import { renderProfile, type RenderedProfile } from "./render.js";
import { resolveSpec, type BaseLookup } from "./resolve.js";
import { checkSemantics } from "./semantic-check.js";
import { err, ok, type Result } from "./result.js";

/** Finds a SeccompProfile object (as the API server returns it) by namespace and name. */
export type ObjectLookup = (namespace: string, name: string) => unknown;

export interface Compiled {
  rendered: RenderedProfile;
  /** The profile and its bases, most derived first, as `namespace/name`. */
  chain: string[];
  /** Validation warnings and lint findings of the resolved profile. */
  findings: Diagnostic[];
}

/**
 * From a SeccompProfile object in a cluster to the bytes its nodes write: validation,
 * base resolution (in the profile's namespace, then the catalogue namespace), lint and render.
 * The agent and the controller both call this, so they agree on every hash.
 */
export function compileObject(object: unknown, lookup: ObjectLookup, catalogueNamespace: string): Result<Compiled, Diagnostic[]> {
  const loaded = loadDocument("1", object);
  if (loaded.spec === undefined || loaded.name === undefined) return err(loaded.diagnostics.filter((d) => d.severity === "error"));
  const namespace = loaded.namespace ?? "";
  const baseLookup: BaseLookup = (name, from) => {
    const fromNamespace = from.slice(0, from.indexOf("/"));
    for (const ns of fromNamespace === catalogueNamespace ? [catalogueNamespace] : [fromNamespace, catalogueNamespace]) {
      const base = lookup(ns, name);
      if (base === undefined) continue;
      const key = `${ns}/${name}`;
      const baseLoaded = loadDocument("1", base);
      if (baseLoaded.spec === undefined) {
        const first = baseLoaded.diagnostics.find((d) => d.severity === "error");
        return { error: `base profile ${key} is invalid${first === undefined ? "" : `: ${first.path}: ${first.message}`}` };
      }
      return { key, spec: baseLoaded.spec };
    }
    return undefined;
  };
  const resolved = resolveSpec(`${namespace}/${loaded.name}`, loaded.spec, baseLookup);
  if (!resolved.ok) return err([resolved.error]);
  // Merging bases can create contradictions neither profile had alone; without a base, the
  // checks loadDocument ran are the ones that count.
  const semantic = resolved.value.chain.length > 1 ? checkSemantics(resolved.value.spec) : [];
  if (hasErrors(semantic)) return err(semantic.filter((d) => d.severity === "error"));
  const findings = [...loaded.diagnostics.filter((d) => d.severity !== "error"), ...semantic, ...lintSpec(resolved.value.spec)];
  return ok({ rendered: renderProfile(resolved.value.spec), chain: resolved.value.chain, findings });
}

/** One line for a status message or an event: the first errors, with their fields. */
export function summarize(diagnostics: readonly Diagnostic[], limit = 3): string {
  const shown = diagnostics.slice(0, limit).map((d) => `${d.path === "" ? "" : `${d.path}: `}${d.message}`);
  const more = diagnostics.length > limit ? ` (and ${diagnostics.length - limit} more)` : "";
  return `${shown.join("; ")}${more}`;
}
