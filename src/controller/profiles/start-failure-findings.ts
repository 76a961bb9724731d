// Status findings for containers a profile stopped from running, with what the profile lacks
// where the engine can tell.
import type { Finding } from "../../api/profile-status.js";
import type { OciSeccomp } from "../../profile/render.js";
import { missingRuntimeNeeds } from "../../profile/runtime-gaps.js";
import type { StartFailure } from "./start-failures.js";

/** Enough to show the pattern; the rest is counted, so status stays within its limits. */
const MAX_FAILURE_FINDINGS = 10;
const DETAIL_LIMIT = 600;

export const START_FAILURE_RULES = ["container-start-failed", "container-killed-by-seccomp", "profile-unloadable"] as const;

/**
 * One finding per failed container, newest profile version first considered: `current` is the
 * rendered document of the profile's current version, used to say which of the runtime's needs
 * it does not allow.
 */
export function startFailureFindings(failures: readonly StartFailure[], current: { hash: string; document: OciSeccomp } | undefined): Finding[] {
  const out = failures.slice(0, MAX_FAILURE_FINDINGS).map((f) => findingOf(f, current));
  if (failures.length > MAX_FAILURE_FINDINGS) {
    out.push({
      rule: "container-start-failed",
      severity: "error",
      message: `${failures.length - MAX_FAILURE_FINDINGS} more container(s) failed under this profile (not listed)`,
    });
  }
  return out;
}

function findingOf(f: StartFailure, current: { hash: string; document: OciSeccomp } | undefined): Finding {
  const where = `Pod ${f.pod}${f.node === undefined ? "" : ` on node ${f.node}`}, container ${f.container}`;
  const version = f.hash === undefined || current === undefined || f.hash === current.hash ? "" : ` (an older version, ${f.hash.slice(0, 12)})`;
  const detail = f.detail.length > DETAIL_LIMIT ? `${f.detail.slice(0, DETAIL_LIMIT)}...` : f.detail;
  switch (f.kind) {
    case "unloadable":
      return {
        rule: "profile-unloadable",
        severity: "error",
        message: `${where}: the runtime could not load this profile${version}: ${detail}`,
        hint: "the file is missing or unreadable on that node: see status.nodes and the node's SeccompNodeStatus",
      };
    case "killed":
      return {
        rule: "container-killed-by-seccomp",
        severity: "error",
        message: `${where}: killed by the kernel for a denied syscall${version}: ${detail}`,
        hint: "a call hit a SCMP_ACT_KILL action; run the profile in audit mode (defaultAction: SCMP_ACT_LOG) to see which, then allow it",
      };
    case "start-failed": {
      const escalation = f.noNewPrivileges ? "allowPrivilegeEscalation: false" : "privilege escalation allowed, so the filter is loaded before runc drops privileges";
      const missing = current === undefined ? [] : missingRuntimeNeeds(current.document, "runc", f.noNewPrivileges);
      return {
        rule: "container-start-failed",
        severity: "error",
        message: `${where}: failed to start under this profile${version}: ${detail}`,
        hint:
          missing.length > 0
            ? `runc calls these after it loads the filter (${escalation}) and the profile does not allow them: ${missing.join(", ")}`
            : `the profile allows what runc calls after loading the filter (${escalation}); the command's own first calls may be denied: try audit mode (SCMP_ACT_LOG)`,
      };
    }
  }
}
