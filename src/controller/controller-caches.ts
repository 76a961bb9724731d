// The caches the controller's components share, one informer each: what is kept of every
// object (the caches hold them all for the process's life) and under which metrics name.
import { CONTAINER_ANNOTATION_PREFIX, FIELD_MANAGER, GROUP, PROFILE_ANNOTATION } from "../api/names.js";
import type { SeccompNodeStatus } from "../api/node-status.js";
import { podSeccompShape } from "../api/pod-seccomp.js";
import { setFields } from "../api/set-fields.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import { NODE_RESOURCE, NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../api/resources.js";
import type { Informer } from "../kube/informer.js";
import type { CacheSpec, Manager } from "../kube/manager.js";
import { withoutManagedFields, type KubeObject } from "../kube/objects.js";
import { withCheckedSpec } from "../profile/compile.js";
import { podSpecOf, WORKLOAD_KINDS, WORKLOADS, type WorkloadKind } from "./workloads/workload-kinds.js";


/** The entries of `map` whose keys are the operator's (`seccomp.operator.dev/...`); undefined when none. */
function operatorEntries(map: Record<string, string> | undefined): Record<string, string> | undefined {
  const kept = Object.entries(map ?? {}).filter(([k]) => k.startsWith(`${GROUP}/`));
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/**
 * What the controller keeps of a profile: spec (the copy its check made), status, and of its
 * metadata what it reads. Only
 * the operator's own labels and annotations are kept (recordings mark their profiles with them):
 * kubectl's last-applied-configuration alone is as large as the spec.
 */
export function profileShape(profile: SeccompProfile): SeccompProfile {
  const { name, namespace, uid, resourceVersion, generation, deletionTimestamp, finalizers, labels, annotations } = profile.metadata ?? {};
  return withCheckedSpec({
    ...profile,
    metadata: setFields({ name, namespace, uid, resourceVersion, generation, deletionTimestamp, finalizers, labels: operatorEntries(labels), annotations: operatorEntries(annotations) }) ?? {},
  });
}

export const PROFILES: CacheSpec<SeccompProfile> = { name: "profiles", resource: PROFILE_RESOURCE, transform: profileShape };
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

interface ContainerFields {
  name?: string;
  securityContext?: { seccompProfile?: unknown; privileged?: boolean; allowPrivilegeEscalation?: boolean };
}

const containerShape = (c: ContainerFields): ContainerFields =>
  setFields({
    name: c.name,
    securityContext: setFields({ seccompProfile: c.securityContext?.seccompProfile, privileged: c.securityContext?.privileged, allowPrivilegeEscalation: c.securityContext?.allowPrivilegeEscalation }),
  }) ?? {};

/**
 * What the controller keeps of a workload: identity, owners, the operator's annotations and
 * field ownership, and the seccomp-related fields of its pod template; fields it does not set are
 * left out (api/set-fields.ts). The rest (images, env, volumes, other annotations, others'
 * managedFields) never reaches the cache.
 */
export function workloadShape(kind: WorkloadKind, obj: KubeObject): KubeObject {
  const meta = obj.metadata ?? {};
  const annotations = Object.entries(meta.annotations ?? {}).filter(([k]) => k === PROFILE_ANNOTATION || k.startsWith(CONTAINER_ANNOTATION_PREFIX));
  const spec = (podSpecOf(kind, obj) ?? {}) as { securityContext?: { seccompProfile?: unknown }; containers?: ContainerFields[]; initContainers?: ContainerFields[] };
  let nested: Record<string, unknown> = {
    spec: setFields({
      securityContext: setFields({ seccompProfile: spec.securityContext?.seccompProfile }),
      containers: spec.containers?.map(containerShape),
      initContainers: spec.initContainers?.map(containerShape),
    }) ?? {},
  };
  for (const segment of [...WORKLOADS[kind].templatePath].reverse()) nested = { [segment]: nested };
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: setFields({
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      generation: meta.generation,
      // When it was created: whether the admission webhook should already have set its profile.
      creationTimestamp: meta.creationTimestamp,
      deletionTimestamp: meta.deletionTimestamp,
      ownerReferences: meta.ownerReferences,
      annotations: annotations.length === 0 ? undefined : Object.fromEntries(annotations),
      managedFields: meta.managedFields?.filter((m) => m.manager === FIELD_MANAGER),
    }),
    ...nested,
  } as KubeObject;
}

export function workloadCache(kind: WorkloadKind): CacheSpec {
  return { name: kind, resource: WORKLOADS[kind].resource, transform: (obj) => workloadShape(kind, obj) };
}

/** One shared informer per workload kind. */
export function workloadCaches(manager: Manager): Map<WorkloadKind, Informer<KubeObject>> {
  return new Map(WORKLOAD_KINDS.map((kind) => [kind, manager.cache(workloadCache(kind))]));
}
