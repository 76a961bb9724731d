import { basename, extname } from "node:path";
import { DEFAULT_CATALOGUE_NAMESPACE } from "../api/names.js";
import type { Severity } from "../api/profile-status.js";
import { severityAtLeast } from "../profile/diagnostics.js";
import { toManifest } from "../profile/manifest.js";
import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import type { ConvertOptions } from "../profile/conversion.js";
import { analyse, inputLookup, loadInputs } from "./input-profiles.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { readInputs, type Input } from "./inputs.js";
import { formatReport, reportOf } from "./report.js";

/** Where a command writes; the tests give buffers, `main` gives the process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => string;
}

export interface CommonOptions {
  paths: string[];
  output: "text" | "json";
  capabilities?: string[];
  nativeArchitectures?: ArchitectureToken[];
  catalogueNamespace?: string;
}

function load(options: CommonOptions, io: Io): { inputs: Input[]; failed: boolean } {
  const { inputs, errors } = readInputs(options.paths, io.stdin);
  for (const error of errors) io.stderr(`error: cannot read ${error}\n`);
  return { inputs, failed: errors.length > 0 };
}

function prepare(options: CommonOptions, io: Io) {
  const { inputs, failed } = load(options, io);
  const convert: ConvertOptions = {};
  if (options.capabilities !== undefined) convert.capabilities = options.capabilities;
  if (options.nativeArchitectures !== undefined) convert.nativeArchitectures = options.nativeArchitectures;
  const profiles = loadInputs(inputs, convert);
  const lookup = inputLookup(profiles);
  return { profiles, lookup, catalogueNamespace: options.catalogueNamespace ?? DEFAULT_CATALOGUE_NAMESPACE, failed };
}

/** `validate`: errors and warnings of every profile; exit 1 on any error. */
export function validateCommand(options: CommonOptions, io: Io): number {
  return check(options, io, { lint: false, failOn: "error" });
}

/** `lint`: validation plus practice findings; exit 1 on findings at or above `failOn`. */
export function lintCommand(options: CommonOptions & { failOn: Severity | "none" }, io: Io): number {
  return check(options, io, { lint: true, failOn: options.failOn });
}

function check(options: CommonOptions, io: Io, mode: { lint: boolean; failOn: Severity | "none" }): number {
  const { profiles, lookup, catalogueNamespace, failed } = prepare(options, io);
  const analyses = analyse(profiles, lookup, catalogueNamespace, { lint: mode.lint });
  const reports = analyses.map((a) => reportOf(a.profile, a.diagnostics, a.rendered?.hash));
  const threshold = mode.failOn;
  const failing = threshold !== "none" && reports.some((r) => r.diagnostics.some((d) => severityAtLeast(d.severity, threshold)));
  if (options.output === "json") {
    io.stdout(`${JSON.stringify({ profiles: reports }, null, 2)}\n`);
  } else {
    for (const report of reports) for (const line of formatReport(report)) io.stdout(`${line}\n`);
    const count = (s: Severity) => reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === s).length, 0);
    io.stderr(`${reports.length} profile${reports.length === 1 ? "" : "s"}: ${count("error")} errors, ${count("warning")} warnings, ${count("info")} notes\n`);
  }
  if (failed) return EXIT.input;
  return failing ? EXIT.findings : EXIT.ok;
}

/** `render`: the exact JSON a node writes for one profile. */
export function renderCommand(options: CommonOptions & { name?: string }, io: Io): number {
  const { profiles, lookup, catalogueNamespace, failed } = prepare(options, io);
  if (failed) return EXIT.input;
  const candidates = options.name === undefined ? profiles : profiles.filter((p) => p.name === options.name);
  if (candidates.length !== 1) {
    const names = profiles.map((p) => p.name ?? `${p.file}#${p.label}`).join(", ");
    throw new UsageError(
      options.name === undefined
        ? `render takes one profile, found ${profiles.length} (${names}); choose one with --name`
        : `--name ${options.name} matches ${candidates.length} profiles (found: ${names})`,
    );
  }
  const [analysis] = analyse(candidates, lookup, catalogueNamespace, { lint: false });
  const report = reportOf(analysis!.profile, analysis!.diagnostics, analysis!.rendered?.hash);
  if (analysis!.rendered === undefined) {
    for (const line of formatReport(report)) io.stderr(`${line}\n`);
    return EXIT.findings;
  }
  if (options.output === "json") {
    io.stdout(`${JSON.stringify({ name: report.name, namespace: report.namespace, hash: analysis!.rendered.hash, profile: analysis!.rendered.document }, null, 2)}\n`);
  } else {
    io.stdout(analysis!.rendered.json);
  }
  return EXIT.ok;
}

/** `convert`: Docker/OCI JSON or another operator's manifests to our SeccompProfile YAML. */
export function convertCommand(options: CommonOptions & { name?: string; namespace?: string }, io: Io): number {
  const { profiles, failed } = prepare(options, io);
  if (failed) return EXIT.input;
  if (options.name !== undefined && profiles.length !== 1) {
    throw new UsageError(`--name needs exactly one profile in the input, found ${profiles.length}`);
  }
  const manifests: string[] = [];
  const objects: unknown[] = [];
  let errors = false;
  for (const profile of profiles) {
    const report = reportOf(profile, profile.diagnostics);
    for (const line of formatReport(report)) io.stderr(`${line}\n`);
    if (profile.spec === undefined) {
      errors = true;
      continue;
    }
    const name = options.name ?? profile.name ?? nameFromFile(profile.file);
    const namespace = options.namespace ?? profile.namespace;
    const manifest = toManifest(profile.spec, namespace === undefined ? { name } : { name, namespace });
    manifests.push(manifest);
    objects.push({ name, namespace, manifest });
  }
  // Nothing is printed unless every document converted: a half-converted catalogue is worse than none.
  if (errors) return EXIT.findings;
  if (options.output === "json") io.stdout(`${JSON.stringify({ manifests: objects }, null, 2)}\n`);
  else io.stdout(manifests.join("---\n"));
  return EXIT.ok;
}

/** `medium-basic-seccomp.json` -> `medium-basic-seccomp`, a valid object name. */
export function nameFromFile(file: string): string {
  const stem = file === "<stdin>" ? "profile" : basename(file, extname(file));
  const name = stem
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
    .slice(0, 253);
  return name === "" ? "profile" : name;
}
