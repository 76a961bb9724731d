// What the operator reads of a pod: the seccomp fields of the pod and its containers.
import type { KubeObject } from "../kube/objects.js";

interface SecurityContextHolder {
  name?: string;
  securityContext?: { seccompProfile?: unknown };
}

/** A pod reduced to its identity (an informer transform: the caches hold only this), its phase and the seccomp profiles it refers to. */
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

interface SeccompProfileField {
  type?: string;
  localhostProfile?: string;
}
interface WithSecurityContext {
  securityContext?: { seccompProfile?: SeccompProfileField };
}
interface PodLike {
  status?: { phase?: string };
  spec?: WithSecurityContext & {
    containers?: WithSecurityContext[];
    initContainers?: WithSecurityContext[];
    ephemeralContainers?: WithSecurityContext[];
  };
}

/**
 * The `localhostProfile` paths a pod uses, at pod and container level. A pod that has finished
 * (Succeeded or Failed, e.g. evicted) starts no container again, so it uses none.
 */
export function localhostProfilesOf(pod: unknown): string[] {
  const { spec, status } = pod as PodLike;
  if (spec === undefined || status?.phase === "Succeeded" || status?.phase === "Failed") return [];
  const out = new Set<string>();
  const add = (holder: WithSecurityContext | undefined) => {
    const field = holder?.securityContext?.seccompProfile;
    if (field?.type === "Localhost" && typeof field.localhostProfile === "string") out.add(field.localhostProfile);
  };
  add(spec);
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) for (const c of list ?? []) add(c);
  return [...out];
}
