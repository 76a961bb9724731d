import { sortDiagnostics, type Diagnostic } from "../profile/diagnostics.js";
import type { SourcedProfile } from "./input-profiles.js";

/** What a command found about one profile, for people and for `-o json`. */
export interface ProfileReport {
  file: string;
  document: string;
  format?: string;
  name?: string;
  namespace?: string;
  hash?: string;
  diagnostics: Diagnostic[];
}

export function reportOf(profile: SourcedProfile, diagnostics: Diagnostic[], hash?: string): ProfileReport {
  const out: ProfileReport = { file: profile.file, document: profile.label, diagnostics: sortDiagnostics(diagnostics) };
  if (profile.format !== undefined) out.format = profile.format;
  if (profile.name !== undefined) out.name = profile.name;
  if (profile.namespace !== undefined) out.namespace = profile.namespace;
  if (hash !== undefined) out.hash = hash;
  return out;
}

/** `file#doc (ns/name): path: severity: message [rule] (hint)`, one line per finding. */
export function formatReport(report: ProfileReport): string[] {
  const where = sourceOf(report);
  return report.diagnostics.map((d) => {
    const hint = d.hint === undefined ? "" : ` (${d.hint})`;
    return `${where}: ${d.path === "" ? "" : `${d.path}: `}${d.severity}: ${d.message} [${d.rule}]${hint}`;
  });
}

/** `file#doc (ns/name)`: where a profile came from, as every message names it. */
export function sourceOf(report: Pick<ProfileReport, "file" | "document" | "name" | "namespace">): string {
  const who = report.name === undefined ? "" : ` (${report.namespace === undefined ? "" : `${report.namespace}/`}${report.name})`;
  return `${report.file}#${report.document}${who}`;
}
