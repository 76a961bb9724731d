import { stringify } from "yaml";
import { API_VERSION, PROFILE_KIND } from "../api/names.js";
import type { ProfileSpec } from "../api/profile-spec.js";

/** Our SeccompProfile manifest for a spec, in a stable field order, ready for `kubectl apply` or a GitOps repository. */
export function toManifest(spec: ProfileSpec, meta: { name: string; namespace?: string }): string {
  const metadata: Record<string, string> = { name: meta.name };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  const ordered: Record<string, unknown> = {};
  for (const key of ["description", "baseProfileName", "defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls"] as const) {
    if (spec[key] !== undefined) ordered[key] = spec[key];
  }
  return stringify({ apiVersion: API_VERSION, kind: PROFILE_KIND, metadata, spec: ordered }, { lineWidth: 0 });
}
