import { DEFAULT_CATALOGUE_NAMESPACE } from "../api/names.js";
import type { ConvertOptions } from "../profile/conversion.js";
import { hasErrors } from "../profile/diagnostics.js";
import { compileProfile, type Compiled } from "../profile/compile.js";
import type { RenderedProfile } from "../profile/render.js";
import type { ResolvedSpec } from "../profile/resolve.js";
import { inputLookup, loadInputs, type SourcedProfile } from "./input-profiles.js";
import type { CommonOptions, Io } from "./commands.js";
import { UsageError } from "./exit-codes.js";
import { readInputs } from "./inputs.js";
import { formatReport, reportOf, sourceOf } from "./report.js";

/** A profile read from the inputs with its base profiles flattened into it. */
export interface ResolvedInput {
  profile: SourcedProfile;
  /** `file#doc (ns/name)`, for messages. */
  source: string;
  spec: ResolvedSpec;
  rendered: RenderedProfile;
}

export interface ResolvedInputs {
  resolved: ResolvedInput[];
  /** Some path could not be read. */
  unreadable: boolean;
  /** Some profile has errors, or a base that is not among the inputs; each was printed on stderr. */
  invalid: boolean;
}

/**
 * Reads the inputs and compiles each profile, its bases resolved among them, for the commands
 * that need whole profiles (merge, diff, verify). Errors and warnings go to stderr, notes are left out:
 * these commands report on the profiles, not on their conversion.
 */
export function resolveInputs(options: Pick<CommonOptions, "paths" | "capabilities" | "nativeArchitectures" | "catalogueNamespace">, io: Io): ResolvedInputs {
  const { inputs, errors } = readInputs(options.paths, io.stdin);
  for (const error of errors) io.stderr(`error: cannot read ${error}\n`);
  const convert: ConvertOptions = {};
  if (options.capabilities !== undefined) convert.capabilities = options.capabilities;
  if (options.nativeArchitectures !== undefined) convert.nativeArchitectures = options.nativeArchitectures;
  const profiles = loadInputs(inputs, convert);
  const lookup = inputLookup(profiles);
  const catalogueNamespace = options.catalogueNamespace ?? DEFAULT_CATALOGUE_NAMESPACE;
  const resolved: ResolvedInput[] = [];
  let invalid = false;
  for (const profile of profiles) {
    const diagnostics = profile.diagnostics.filter((d) => d.severity !== "info");
    let compiled: Compiled | undefined;
    if (profile.spec !== undefined) {
      // The key is `namespace/name`, as the compile path looks bases up.
      const cut = profile.key.indexOf("/");
      const result = compileProfile({ namespace: profile.key.slice(0, cut), name: profile.key.slice(cut + 1), spec: profile.spec }, lookup, catalogueNamespace, { lint: false });
      if (result.ok) compiled = result.value;
      else diagnostics.push(...result.error);
    }
    for (const line of formatReport(reportOf(profile, diagnostics))) io.stderr(`${line}\n`);
    if (compiled === undefined || hasErrors(diagnostics)) {
      invalid = true;
      continue;
    }
    resolved.push({ profile, source: sourceOf(reportOf(profile, [])), spec: compiled.spec, rendered: compiled.rendered });
  }
  return { resolved, unreadable: errors.length > 0, invalid };
}

/** The one profile of `what` (or the one named `name`), for commands that take one per input. */
export function pickOne(profiles: readonly ResolvedInput[], what: string, name: string | undefined): ResolvedInput {
  const candidates = name === undefined ? profiles : profiles.filter((p) => p.profile.name === name);
  if (candidates.length !== 1) {
    const found = profiles.map((p) => p.source).join(", ") || "none";
    throw new UsageError(`${what}: ${name === undefined ? "expected one profile" : `--name ${name} matches ${candidates.length}`}, found ${found}${name === undefined ? "; choose one with --name" : ""}`);
  }
  return candidates[0]!;
}
