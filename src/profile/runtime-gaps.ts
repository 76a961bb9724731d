import type { Action } from "../api/seccomp-vocabulary.js";
import type { OciSeccomp } from "./render.js";
import { RUNC_INIT_PRIVILEGED_TOLERATED, RUNC_INIT_TOLERATED, runtimeNeeds, type Runtime } from "./runtime-needs.js";

/** Calls whose failure runc survives: never the reason a container did not start. */
const SURVIVABLE: ReadonlySet<string> = new Set([...RUNC_INIT_TOLERATED, ...RUNC_INIT_PRIVILEGED_TOLERATED]);

/** Actions under which a call goes through. */
const PASSING: ReadonlySet<Action> = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"]);

/**
 * What `runtime` calls after it loaded this filter and the filter does not let through, sorted,
 * leaving out calls whose failure runc survives: the likely reason a container under it fails
 * to start. A call allowed only under argument conditions counts as allowed, so the answer
 * never blames a call the profile may permit.
 */
export function missingRuntimeNeeds(document: OciSeccomp, runtime: Runtime, noNewPrivileges: boolean): string[] {
  const needs = runtimeNeeds(runtime, noNewPrivileges).filter((name) => !SURVIVABLE.has(name));
  if (PASSING.has(document.defaultAction)) {
    const denied = new Set(document.syscalls.filter((r) => !PASSING.has(r.action) && (r.args ?? []).length === 0).flatMap((r) => r.names));
    return needs.filter((name) => denied.has(name));
  }
  const passing = new Set(document.syscalls.filter((r) => PASSING.has(r.action)).flatMap((r) => r.names));
  return needs.filter((name) => !passing.has(name));
}
