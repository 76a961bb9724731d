import { hasErrors } from "../profile/diagnostics.js";
import { toManifest } from "../profile/manifest.js";
import { mergeSpecs } from "../profile/merge-profiles.js";
import { checkSemantics } from "../profile/semantic-check.js";
import type { CommonOptions, Io } from "./commands.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { resolveInputs } from "./resolved-inputs.js";

/**
 * `merge`: one SeccompProfile that unites the inputs (recordings of several runs or
 * replicas). Disagreements are listed on stderr and nothing is printed.
 */
export function mergeCommand(options: CommonOptions & { name?: string; namespace?: string }, io: Io): number {
  const { resolved, unreadable, invalid } = resolveInputs(options, io);
  if (unreadable) return EXIT.input;
  if (invalid) return EXIT.findings;
  if (resolved.length < 2) throw new UsageError(`merge takes two or more profiles, found ${resolved.length}`);
  const name = options.name ?? common(resolved.map((r) => r.profile.name));
  if (name === undefined) throw new UsageError("the profiles have different names; choose the merged profile's with --name");
  const namespace = options.namespace ?? common(resolved.map((r) => r.profile.namespace));

  const merged = mergeSpecs(resolved.map((r) => ({ source: r.source, spec: r.spec })));
  const problems = merged.ok ? checkSemantics(merged.value).filter((d) => d.severity !== "info") : merged.error;
  for (const d of problems) io.stderr(`merge: ${d.path === "" ? "" : `${d.path}: `}${d.severity}: ${d.message} [${d.rule}]${d.hint === undefined ? "" : ` (${d.hint})`}\n`);
  if (!merged.ok || hasErrors(problems)) return EXIT.findings;

  const spec = { ...merged.value, description: `Merged from ${resolved.map((r) => r.source).sort().join(", ")}.`.slice(0, 1024) };
  const manifest = toManifest(spec, namespace === undefined ? { name } : { name, namespace });
  if (options.output === "json") io.stdout(`${JSON.stringify({ name, namespace, manifest }, null, 2)}\n`);
  else io.stdout(manifest);
  return EXIT.ok;
}

function common(values: readonly (string | undefined)[]): string | undefined {
  return values.every((v) => v !== undefined && v === values[0]) ? values[0] : undefined;
}
