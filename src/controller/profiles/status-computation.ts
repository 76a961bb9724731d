import type { Condition } from "../../api/conditions.js";
import { stableLocalhostPath } from "../../api/node-paths.js";
import {
  MAX_CONTAINERS_LISTED,
  MAX_FINDING_HINT,
  MAX_FINDING_MESSAGE,
  MAX_FINDING_PATH,
  MAX_FINDINGS,
  MAX_HASHES_IN_USE,
  MAX_NODE_REASON,
  MAX_NODES_LISTED,
  MAX_USED_BY,
  type Finding,
  type ProfileStatus,
} from "../../api/profile-status.js";
import type { Diagnostic } from "../../profile/diagnostics.js";
import { summarize } from "../../profile/compile.js";
import type { Aggregate } from "../nodes/node-aggregation.js";
import { listed } from "../short-list.js";
import { mergeConditions, type ConditionInput } from "./condition-merge.js";

export interface WorkloadUse {
  kind: string;
  namespace: string;
  name: string;
  containers: string[];
}

export interface ProfileObservation {
  namespace: string;
  name: string;
  generation: number;
  previous: ProfileStatus | undefined;
  compiled: { ok: true; hash: string; findings: Diagnostic[] } | { ok: false; errors: Diagnostic[] };
  nodes: Aggregate;
  usedBy: WorkloadUse[];
  /** Pinned hashes that templates or pods name. */
  hashesInUse: string[];
  /** Findings about the workloads that use the profile (privileged containers, ...). */
  workloadFindings: Finding[];
  /** Containers that failed to run under the profile: listed first, they matter most. */
  failureFindings: Finding[];
  /** Set while the object is being deleted: who still holds it. */
  deletion?: { blockedBy: string[] };
}

export interface ComputedStatus {
  status: ProfileStatus;
  ready: boolean;
}



/** The status the API conventions ask for, computed from what the controller observed. Pure. */
export function computeStatus(o: ProfileObservation, now: Date): ComputedStatus {
  const conditions: ConditionInput[] = [];
  let installed = false;
  if (!o.compiled.ok) {
    conditions.push({ type: "Valid", status: "False", reason: "Invalid", message: summarize(o.compiled.errors, 5) });
    conditions.push({ type: "Installed", status: "False", reason: "Invalid", message: "an invalid profile is not installed; nodes keep the last valid version" });
  } else {
    const warnings = o.compiled.findings.filter((f) => f.severity !== "info").length;
    conditions.push({ type: "Valid", status: "True", reason: "Valid", message: warnings === 0 ? "the profile is valid" : `the profile is valid; ${warnings} lint warning(s) in status.findings` });
    conditions.push(installedCondition(o.nodes));
    installed = conditions[1]!.status === "True";
  }
  const valid = o.compiled.ok;
  let ready: ConditionInput;
  if (o.deletion !== undefined) {
    ready = {
      type: "Ready",
      status: "False",
      reason: o.deletion.blockedBy.length > 0 ? "DeletionBlocked" : "Deleting",
      message: o.deletion.blockedBy.length > 0 ? `deletion waits until nothing uses the profile: ${listed(o.deletion.blockedBy, 10)}` : "being deleted",
    };
  } else if (!valid) {
    ready = { type: "Ready", status: "False", reason: "Invalid", message: "see the Valid condition" };
  } else if (!installed) {
    ready = { type: "Ready", status: "False", reason: conditions[1]!.reason, message: "see the Installed condition" };
  } else {
    ready = { type: "Ready", status: "True", reason: "Ready", message: `installed on every live node; workloads that reference it use ${stableLocalhostPath(o.namespace, o.name).replace(/\.json$/, "/<hash>.json")}` };
  }
  conditions.push(ready);

  const findings = [...o.failureFindings.map(capFinding), ...hashesLeftOut(o.hashesInUse.length), ...(o.compiled.ok ? o.compiled.findings.map(toFinding) : []), ...o.workloadFindings.map(capFinding)];
  const omitted = {
    findings: findings.length - MAX_FINDINGS,
    usedBy: o.usedBy.length - MAX_USED_BY,
    failingNodes: o.nodes.failing.length - MAX_NODES_LISTED,
    staleNodes: o.nodes.stale.length - MAX_NODES_LISTED,
    hashesInUse: o.hashesInUse.length - MAX_HASHES_IN_USE,
  };
  const status: ProfileStatus = {
    observedGeneration: o.generation,
    conditions: mergeConditions(o.previous?.conditions as Condition[] | undefined, conditions, o.generation, now),
    localhostProfile: stableLocalhostPath(o.namespace, o.name),
    nodes: {
      installed: o.nodes.installed,
      total: o.nodes.total,
      summary: `${o.nodes.installed}/${o.nodes.total}`,
      failing: o.nodes.failing.slice(0, MAX_NODES_LISTED).map((f) => ({ node: f.node, reason: cut(f.reason, MAX_NODE_REASON) })),
      stale: o.nodes.stale.slice(0, MAX_NODES_LISTED),
    },
    hashesInUse: o.hashesInUse.slice(0, MAX_HASHES_IN_USE),
    usedBy: o.usedBy.slice(0, MAX_USED_BY).map((u) => ({
      kind: u.kind,
      namespace: u.namespace,
      name: u.name,
      containers: u.containers.slice(0, MAX_CONTAINERS_LISTED),
      ...(u.containers.length > MAX_CONTAINERS_LISTED ? { containersOmitted: u.containers.length - MAX_CONTAINERS_LISTED } : {}),
    })),
    findings: findings.slice(0, MAX_FINDINGS),
  };
  const counted = Object.fromEntries(Object.entries(omitted).filter(([, n]) => n > 0));
  if (Object.keys(counted).length > 0) status.omitted = counted;
  // The last valid hash stays visible while an update is invalid: it is what nodes still run.
  const hash = o.compiled.ok ? o.compiled.hash : o.previous?.hash;
  if (hash !== undefined) status.hash = hash;
  return { status, ready: ready.status === "True" };
}

/** Said, never silent: nodes keep only the hashes listed, so pods of the others may fail to start on new nodes or after garbage collection. */
function hashesLeftOut(inUse: number): Finding[] {
  if (inUse <= MAX_HASHES_IN_USE) return [];
  return [
    {
      rule: "hashes-in-use-truncated",
      severity: "warning",
      message: `${inUse} hashes of this profile are named by pods and templates; only the ${MAX_HASHES_IN_USE} most used and newest are listed in status.hashesInUse and kept on nodes, ${inUse - MAX_HASHES_IN_USE} are not`,
      hint: "roll the workloads that pin old hashes onto the current one, or delete old ReplicaSets",
    },
  ];
}

export function installedCondition(nodes: Aggregate): ConditionInput {
  const counts = `${nodes.installed}/${nodes.total} live nodes`;
  const stale = nodes.stale.length > 0 ? `; agents not reporting (not counted): ${listed(nodes.stale, 10)}` : "";
  if (nodes.total === 0) return { type: "Installed", status: "False", reason: "NoAgents", message: `no node agent is reporting${stale}` };
  if (nodes.failing.length > 0) {
    const first = nodes.failing[0]!;
    return { type: "Installed", status: "False", reason: "InstallFailed", message: `${counts}; failed on ${listed(nodes.failing.map((f) => f.node), 10)} (${first.node}: ${first.reason})${stale}` };
  }
  if (nodes.installed < nodes.total) {
    const unlisted = nodes.unlisted.length > 0 ? `; ${listed(nodes.unlisted, 10)} report more failures than they list, and this profile may be one of them (see those nodes' agent logs)` : "";
    const otherSalt = nodes.otherSalt.length > 0 ? `; ${listed(nodes.otherSalt, 10)} report no digests under this cluster's salt (their agent has not read the digest salt Secret, or holds another one; see those nodes' agent logs), so nothing is confirmed on them` : "";
    return { type: "Installed", status: "False", reason: "Installing", message: `${counts}; waiting for ${listed(nodes.waiting, 10)}${unlisted}${otherSalt}${stale}` };
  }
  return { type: "Installed", status: "True", reason: "InstalledOnAllNodes", message: `${counts}${stale}` };
}


function toFinding(d: Diagnostic): Finding {
  return capFinding(d.path === "" ? { rule: d.rule, severity: d.severity, message: d.message, ...(d.hint === undefined ? {} : { hint: d.hint }) } : d);
}

function capFinding(f: Finding): Finding {
  const out: Finding = { rule: f.rule, severity: f.severity, message: cut(f.message, MAX_FINDING_MESSAGE) };
  if (f.hint !== undefined) out.hint = cut(f.hint, MAX_FINDING_HINT);
  if (f.path !== undefined && f.path !== "") out.path = cut(f.path, MAX_FINDING_PATH);
  return out;
}

/** At most `max` characters, the cut marked. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
