// The caches the controller's components share, one informer each: what is kept of every
// object (the caches hold them all for the process's life) and under which metrics name.
import { FIELD_MANAGER } from "../api/names.js";
import type { SeccompNodeStatus } from "../api/node-status.js";
import { podSeccompShape } from "../api/pod-seccomp.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import { NODE_RESOURCE, NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../api/resources.js";
import type { Informer } from "../kube/informer.js";
import type { CacheSpec, Manager } from "../kube/manager.js";
import { withoutManagedFields, type KubeObject } from "../kube/objects.js";
import { WORKLOAD_KINDS, WORKLOADS, type WorkloadKind } from "./workloads/workload-kinds.js";


export const PROFILES: CacheSpec<SeccompProfile> = { name: "profiles", resource: PROFILE_RESOURCE, transform: withoutManagedFields };
export const NODE_STATUSES: CacheSpec<SeccompNodeStatus> = { name: "nodestatuses", resource: NODE_STATUS_RESOURCE, transform: withoutManagedFields };
/** Pods matter only for the files they use; the rest of each pod is dropped on arrival. */
export const PODS: CacheSpec = { name: "pods", resource: POD_RESOURCE, transform: podSeccompShape, resyncPeriodMs: 0 };
/** Only node names matter: to tell a silent agent on a live node from one whose node is gone. */
export const NODES: CacheSpec = {
  name: "nodes",
  resource: NODE_RESOURCE,
  transform: (n) => ({ metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion } }),
  resyncPeriodMs: 0,
};

/** What the controller keeps of a workload: our own field ownership, not everyone's. */
function workloadShape(obj: KubeObject): KubeObject {
  const managed = obj.metadata?.managedFields?.filter((m) => m.manager === FIELD_MANAGER);
  return { ...obj, metadata: { ...obj.metadata, managedFields: managed } } as KubeObject;
}

export function workloadCache(kind: WorkloadKind): CacheSpec {
  return { name: kind, resource: WORKLOADS[kind].resource, transform: workloadShape };
}

/** One shared informer per workload kind. */
export function workloadCaches(manager: Manager): Map<WorkloadKind, Informer<KubeObject>> {
  return new Map(WORKLOAD_KINDS.map((kind) => [kind, manager.cache(workloadCache(kind))]));
}
