import type { Finding } from "../../api/profile-status.js";
import { listed } from "../short-list.js";
import type { KubeObject } from "../../kube/objects.js";
import type { NameUse } from "./usage-index.js";
import type { WorkloadKind } from "./workload-kinds.js";
import { referencesOf } from "./workload-references.js";
import { workloadKey } from "./workload-kinds.js";

const computed = new WeakMap<KubeObject, NameUse[]>();

/**
 * What a workload's annotations ask for, grouped per profile name, for the usage index.
 * Remembered per cached object, so the watches of one event compute it once.
 */
export function usesOf(kind: WorkloadKind, workload: KubeObject): NameUse[] {
  let uses = computed.get(workload);
  if (uses === undefined) computed.set(workload, (uses = computeUses(kind, workload)));
  return uses;
}

function computeUses(kind: WorkloadKind, workload: KubeObject): NameUse[] {
  if (copiesOwnersTemplate(kind, workload)) return [];
  const namespace = workload.metadata?.namespace ?? "";
  const name = workload.metadata?.name ?? "";
  const byProfile = new Map<string, NameUse>();
  for (const ref of referencesOf(kind, workload).references) {
    let use = byProfile.get(ref.profile);
    if (use === undefined) {
      use = { workload: workloadKey(kind, namespace, name), kind, namespace, name, profile: ref.profile, containers: [], privileged: [], escalating: [] };
      byProfile.set(ref.profile, use);
    }
    use.containers.push(ref.container);
    if (ref.privileged) use.privileged.push(ref.container);
    else if (ref.allowPrivilegeEscalation !== false) use.escalating.push(ref.container);
  }
  return [...byProfile.values()];
}

/**
 * A Deployment's ReplicaSets and a CronJob's Jobs carry copies of their owner's annotations;
 * the owner is the one that uses the profile (its pods still count while they run).
 */
export function copiesOwnersTemplate(kind: WorkloadKind, workload: KubeObject): boolean {
  const owner = workload.metadata?.ownerReferences?.find((o) => o.controller);
  return (kind === "ReplicaSet" && owner?.kind === "Deployment") || (kind === "Job" && owner?.kind === "CronJob");
}

/** Findings for a profile's status about the containers that use it. */
export function workloadFindings(uses: readonly NameUse[]): Finding[] {
  const out: Finding[] = [];
  for (const use of uses) {
    const where = `${use.kind} ${use.namespace}/${use.name}`;
    if (use.privileged.length > 0) {
      out.push({
        rule: "privileged-container",
        severity: "warning",
        message: `${where}: container(s) ${listed(use.privileged, 10)} are privileged, and seccomp does not confine a privileged container`,
        hint: "drop privileged: true, or do not reference a profile from these containers",
      });
    }
    if (use.escalating.length > 0) {
      out.push({
        rule: "privilege-escalation-allowed",
        severity: "warning",
        message: `${where}: container(s) ${listed(use.escalating, 10)} do not set allowPrivilegeEscalation: false`,
        hint: "set allowPrivilegeEscalation: false; otherwise the profile must also allow the runtime's start-up syscalls (capset, setuid, ...)",
      });
    }
  }
  return out;
}
