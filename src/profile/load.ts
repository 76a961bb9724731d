import type { ProfileSpec } from "../api/profile-spec.js";
import { isRecord, type ConvertOptions, type SourceFormat } from "./conversion.js";
import { fromDockerProfile } from "./convert-docker.js";
import { fromOwnManifest, fromSpoManifest, manifestFormat } from "./convert-manifest.js";
import { diagnostic, hasErrors, type Diagnostic } from "./diagnostics.js";
import { splitDocuments } from "./documents.js";
import { checkSchema } from "./schema-check.js";
import { checkNamesLoosely, checkSemantics } from "./semantic-check.js";

/** One profile read from a source text, converted to our spec and checked. */
export interface LoadedProfile {
  /** Which document of the source, e.g. `1` or `2 items[0]`. */
  label: string;
  format?: SourceFormat;
  name?: string;
  namespace?: string;
  /** Present when the profile has no errors. */
  spec?: ProfileSpec;
  /** Paths are the source's own: `spec.…` for manifests, top-level for JSON profiles. */
  diagnostics: Diagnostic[];
}

/**
 * Reads every profile in a text (our manifests, security-profiles-operator manifests, Docker or
 * OCI JSON) and checks each against the schema and the kernel's syscall tables. Inheritance is
 * not resolved here: that needs the other profiles (see resolveSpec).
 */
export function loadProfiles(text: string, options: ConvertOptions = {}): LoadedProfile[] {
  return splitDocuments(text).map((doc) => {
    if (doc.diagnostics.length > 0 || doc.value === undefined) return { label: doc.label, diagnostics: doc.diagnostics };
    return loadDocument(doc.label, doc.value, options);
  });
}

export function loadDocument(label: string, value: unknown, options: ConvertOptions = {}): LoadedProfile {
  if (!isRecord(value)) {
    return { label, diagnostics: [diagnostic("error", "not-a-profile", "", `expected an object, got ${Array.isArray(value) ? "a list" : typeof value}`)] };
  }
  const format = manifestFormat(value);
  let conversion;
  if (format === "own") conversion = fromOwnManifest(value);
  else if (format === "spo") conversion = fromSpoManifest(value);
  else if (value.apiVersion !== undefined || value.kind !== undefined) {
    return {
      label,
      diagnostics: [
        diagnostic("error", "not-a-profile", "", `${String(value.apiVersion)} ${String(value.kind)} is not a SeccompProfile`, "expected seccomp.operator.dev/v1alpha1 SeccompProfile, a security-profiles-operator SeccompProfile, or a Docker/OCI JSON profile"),
      ],
    };
  } else if ("defaultAction" in value) conversion = fromDockerProfile(value, options);
  else {
    return {
      label,
      diagnostics: [diagnostic("error", "not-a-profile", "", "not a seccomp profile: no defaultAction, and no apiVersion/kind of a SeccompProfile")],
    };
  }

  const checked = checkSpec(conversion.candidate);
  const diagnostics = [...conversion.diagnostics, ...checked.diagnostics.map((d) => ({ ...d, path: conversion.relocate(d.path) }))];

  const out: LoadedProfile = { label, format: conversion.format, diagnostics };
  if (conversion.name !== undefined) out.name = conversion.name;
  if (conversion.namespace !== undefined) out.namespace = conversion.namespace;
  if (checked.spec !== undefined && !hasErrors(diagnostics)) out.spec = checked.spec;
  return out;
}

/**
 * Checks a candidate spec against the schema and the kernel's syscall tables (loosely, by
 * names, when the schema fails); the spec comes back only when there is no error.
 */
export function checkSpec(candidate: unknown): { spec?: ProfileSpec; diagnostics: Diagnostic[] } {
  const checked = checkSchema(candidate);
  const diagnostics = [...checked.diagnostics, ...(checked.spec !== undefined ? checkSemantics(checked.spec) : checkNamesLoosely(candidate))];
  return checked.spec !== undefined && !hasErrors(diagnostics) ? { spec: checked.spec, diagnostics } : { diagnostics };
}
