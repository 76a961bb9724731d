import { API_VERSION, GROUP, MAX_PROFILE_NAME_LENGTH, PROFILE_KIND } from "../api/names.js";
import { DNS_SUBDOMAIN_PATTERN } from "../api/profile-spec.js";
import { isRecord, type Conversion } from "./conversion.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { spoVersionDifferences } from "./spo-versions.js";

export const SPO_GROUP = "security-profiles-operator.x-k8s.io";

const MANIFEST_KEYS = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);
const SPO_SPEC_KEYS = new Set(["defaultAction", "architectures", "syscalls", "flags", "baseProfileName", "listenerPath", "listenerMetadata", "disabled", "state"]);

/** Whether a document is a Kubernetes manifest of a SeccompProfile we can read (ours or the security-profiles-operator's). */
export function manifestFormat(raw: Record<string, unknown>): "own" | "spo" | undefined {
  if (raw.kind !== PROFILE_KIND || typeof raw.apiVersion !== "string") return undefined;
  const group = raw.apiVersion.split("/")[0];
  if (group === GROUP) return "own";
  if (group === SPO_GROUP) return "spo";
  return undefined;
}

/** Our own SeccompProfile manifest: the spec is already in our shape. */
export function fromOwnManifest(raw: Record<string, unknown>): Conversion {
  const diagnostics: Diagnostic[] = [];
  if (raw.apiVersion !== API_VERSION) {
    diagnostics.push(diagnostic("error", "unsupported-version", "apiVersion", `${String(raw.apiVersion)} is not served; use ${API_VERSION}`));
  }
  checkKeys(raw, MANIFEST_KEYS, "", diagnostics);
  const meta = metadataOf(raw, diagnostics);
  if (raw.spec === undefined) diagnostics.push(diagnostic("error", "required", "spec", "required field is missing"));
  return { format: "SeccompProfile", ...meta, candidate: raw.spec, diagnostics, relocate: (path) => path };
}

/**
 * A security-profiles-operator SeccompProfile, for people switching: its spec is the OCI shape
 * too, and what has no equivalent here is named.
 */
export function fromSpoManifest(raw: Record<string, unknown>): Conversion {
  const diagnostics: Diagnostic[] = [];
  checkKeys(raw, MANIFEST_KEYS, "", diagnostics);
  const meta = metadataOf(raw, diagnostics);
  const spec = isRecord(raw.spec) ? raw.spec : {};
  if (!isRecord(raw.spec)) diagnostics.push(diagnostic("error", "required", "spec", "spec must be an object"));
  checkKeys(spec, SPO_SPEC_KEYS, "spec", diagnostics);
  const candidate: Record<string, unknown> = {};
  for (const key of ["defaultAction", "architectures", "flags"]) {
    if (spec[key] !== undefined && spec[key] !== null) candidate[key] = spec[key];
  }
  const syscalls = spoVersionDifferences(raw, spec, diagnostics);
  if (syscalls !== undefined && syscalls !== null) candidate.syscalls = syscalls;
  const annotations = isRecord(raw.metadata) && isRecord(raw.metadata.annotations) ? raw.metadata.annotations : {};
  if (typeof annotations.description === "string") candidate.description = annotations.description.slice(0, 1024);
  if (typeof spec.baseProfileName === "string" && spec.baseProfileName !== "") {
    if (spec.baseProfileName.startsWith("oci://") || !DNS_SUBDOMAIN_PATTERN.test(spec.baseProfileName)) {
      diagnostics.push(
        diagnostic("error", "unsupported-base", "spec.baseProfileName", `base ${spec.baseProfileName} is not a profile name; OCI artifact bases are not supported`, "convert the base profile too and name it here"),
      );
    } else {
      candidate.baseProfileName = spec.baseProfileName;
      diagnostics.push(
        diagnostic("info", "base-must-exist", "spec.baseProfileName", `base ${spec.baseProfileName} must exist as a SeccompProfile in the same or the catalogue namespace`),
      );
    }
  }
  for (const key of ["listenerPath", "listenerMetadata"]) {
    if (spec[key] !== undefined && spec[key] !== "") {
      diagnostics.push(diagnostic("error", "unsupported-field", `spec.${key}`, `${key} is not supported: a Localhost profile cannot connect a seccomp agent`));
    }
  }
  if (spec.disabled === true || spec.state === "Disabled") {
    const field = spec.disabled === true ? "disabled" : "state";
    diagnostics.push(diagnostic("warning", "disabled-ignored", `spec.${field}`, `${field} has no equivalent: the converted profile is installed on every node`));
  }
  return { format: "security-profiles-operator", ...meta, candidate, diagnostics, relocate: (path) => path };
}

function metadataOf(raw: Record<string, unknown>, diagnostics: Diagnostic[]): { name?: string; namespace?: string } {
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  const out: { name?: string; namespace?: string } = {};
  if (typeof meta.name !== "string" || meta.name === "") {
    diagnostics.push(diagnostic("error", "required", "metadata.name", "required field is missing"));
  } else if (meta.name.length > MAX_PROFILE_NAME_LENGTH) {
    diagnostics.push(diagnostic("error", "too-big", "metadata.name", `must be at most ${MAX_PROFILE_NAME_LENGTH} characters: the node file is <name>.json`));
  } else if (meta.name.endsWith(".json")) {
    diagnostics.push(diagnostic("error", "invalid-format", "metadata.name", "must not end in .json: it would collide with another profile's file on the node"));
  } else if (!DNS_SUBDOMAIN_PATTERN.test(meta.name)) {
    diagnostics.push(diagnostic("error", "invalid-format", "metadata.name", `${JSON.stringify(meta.name)} is not a valid name (lowercase letters, digits, '-' and '.')`));
  } else {
    out.name = meta.name;
  }
  if (typeof meta.namespace === "string") out.namespace = meta.namespace;
  return out;
}

function checkKeys(object: Record<string, unknown>, allowed: ReadonlySet<string>, prefix: string, out: Diagnostic[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.has(key)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      out.push(diagnostic("error", "unknown-field", path, `unknown field ${JSON.stringify(key)}`));
    }
  }
}
