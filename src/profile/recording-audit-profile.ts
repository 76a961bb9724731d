import type { ProfileSpec } from "../api/profile-spec.js";
import { auditTwin } from "./audit-twin.js";
import { ESSENTIAL_SYSCALLS } from "./lint.js";
import type { ResolvedSpec } from "./resolve.js";
import { runtimeNeeds } from "./runtime-needs.js";

/**
 * What a recorded container runs under: the audit-mode twin of its base (nothing, without
 * one), so every call runs and the kernel logs each call the base would refuse. Let through
 * unlogged: what every result allows anyway (SCP001, runc's calls after loading the filter),
 * and `quiet`, what was recorded already, which is what keeps the audit log bounded. Every
 * architecture is filtered, whatever the base lists, so calls on any ABI are logged, not killed.
 */
export function recordingAuditSpec(base: ResolvedSpec | undefined, quiet: readonly string[], description: string): ProfileSpec {
  const allow = [...new Set([...ESSENTIAL_SYSCALLS, ...runtimeNeeds("runc", true), ...quiet])].sort();
  const twin = auditTwin(base ?? { defaultAction: "SCMP_ACT_ERRNO" }, allow);
  const { architectures: _all, ...rest } = twin;
  return { description: description.slice(0, 1024), ...rest };
}
