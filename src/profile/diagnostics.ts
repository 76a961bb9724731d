import type { Finding, Severity } from "../api/profile-status.js";

/**
 * One thing the engine has to say about a profile: a parse or validation error, a conversion
 * note, or a lint finding. It has the shape of a status finding, so the controller can publish
 * it as is, and names the field it is about.
 */
export type Diagnostic = Finding & { path: string };

export function diagnostic(severity: Severity, rule: string, path: string, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { rule, severity, path, message } : { rule, severity, path, message, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER[severity] <= SEVERITY_ORDER[threshold];
}

/** Errors first, then by field path, so output is stable from run to run. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.path.localeCompare(b.path, "en", { numeric: true }) ||
      a.rule.localeCompare(b.rule),
  );
}

/** `spec.syscalls[0].names[3]` from a path of keys and indices. */
export function formatPath(parts: readonly PropertyKey[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
