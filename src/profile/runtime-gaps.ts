import type { Action } from "../api/seccomp-vocabulary.js";
import type { OciSeccomp } from "./render.js";
import { runtimeNeeds, type Runtime } from "./runtime-needs.js";

/** Actions under which a call goes through. */
const PASSING: ReadonlySet<Action> = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"]);

/**
 * What `runtime` calls after it loaded this filter and the filter does not let through, sorted:
 * the likely reason a container under it fails to start. A call allowed only under argument
 * conditions counts as allowed, so the answer never blames a call the profile may permit.
 */
export function missingRuntimeNeeds(document: OciSeccomp, runtime: Runtime, noNewPrivileges: boolean): string[] {
  if (PASSING.has(document.defaultAction)) {
    const denied = new Set(document.syscalls.filter((r) => !PASSING.has(r.action) && (r.args ?? []).length === 0).flatMap((r) => r.names));
    return runtimeNeeds(runtime, noNewPrivileges).filter((name) => denied.has(name));
  }
  const passing = new Set(document.syscalls.filter((r) => PASSING.has(r.action)).flatMap((r) => r.names));
  return runtimeNeeds(runtime, noNewPrivileges).filter((name) => !passing.has(name));
}
