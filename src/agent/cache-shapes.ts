import type { KubeObject } from "../kube/objects.js";

/**
 * What the agent keeps of each cached object. managedFields alone often double an object's
 * size, and a node's pods carry far more than the seccomp fields the agent reads.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

interface SecurityContextHolder {
  name?: string;
  securityContext?: { seccompProfile?: unknown };
}

/** A pod reduced to its identity, its phase and the seccomp profiles it refers to. */
export function podSeccompShape(pod: KubeObject): KubeObject {
  const spec = (pod.spec ?? {}) as SecurityContextHolder & {
    containers?: SecurityContextHolder[];
    initContainers?: SecurityContextHolder[];
    ephemeralContainers?: SecurityContextHolder[];
  };
  const keep = (c: SecurityContextHolder) => ({ name: c.name, securityContext: { seccompProfile: c.securityContext?.seccompProfile } });
  const meta = pod.metadata ?? {};
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
    status: { phase: (pod.status as { phase?: string } | undefined)?.phase },
    spec: {
      securityContext: { seccompProfile: spec.securityContext?.seccompProfile },
      containers: (spec.containers ?? []).map(keep),
      initContainers: (spec.initContainers ?? []).map(keep),
      ephemeralContainers: (spec.ephemeralContainers ?? []).map(keep),
    },
  } as KubeObject;
}
