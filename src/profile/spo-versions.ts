import { isRecord } from "./conversion.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";

/** The security-profiles-operator API versions whose SeccompProfile this reads. */
export const SPO_VERSIONS = ["v1alpha1", "v1beta1", "v1"] as const;

/**
 * What differs between the security-profiles-operator's API versions of SeccompProfile:
 * v1beta1 and older are namespaced and type `errnoRet` as a string; v1 (its 1.0 release) is
 * cluster-scoped, types `errnoRet` as an integer, and has `state: Enabled|Disabled`. Returns
 * the syscall rules with string errnoRet values made numbers.
 */
export function spoVersionDifferences(raw: Record<string, unknown>, spec: Record<string, unknown>, out: Diagnostic[]): unknown {
  const version = String(raw.apiVersion).split("/")[1] ?? "";
  if (!(SPO_VERSIONS as readonly string[]).includes(version)) {
    out.push(diagnostic("error", "unsupported-version", "apiVersion", `${String(raw.apiVersion)} is not a security-profiles-operator version this reads (${SPO_VERSIONS.join(", ")})`));
  }
  if (version === "v1") {
    const namespace = isRecord(raw.metadata) ? raw.metadata.namespace : undefined;
    out.push(
      diagnostic(
        "info",
        "cluster-scoped",
        "metadata",
        `security-profiles-operator v1 SeccompProfiles are cluster-scoped${namespace === undefined ? "" : ` (metadata.namespace ${String(namespace)} is not part of it)`}; a SeccompProfile here lives in a namespace`,
        "pass --namespace: the catalogue namespace (seccomp-catalogue) shares it with every namespace",
      ),
    );
  }
  if (spec.state !== undefined && spec.state !== "Enabled" && spec.state !== "Disabled") {
    out.push(diagnostic("error", "invalid-value", "spec.state", `${JSON.stringify(spec.state)} is not one of Enabled, Disabled`));
  }
  if (!Array.isArray(spec.syscalls)) return spec.syscalls;
  return spec.syscalls.map((rule: unknown) => {
    // Anything but digits is left for the schema check to refuse.
    if (!isRecord(rule) || typeof rule.errnoRet !== "string" || !/^\d+$/.test(rule.errnoRet)) return rule;
    return { ...rule, errnoRet: Number(rule.errnoRet) };
  });
}
