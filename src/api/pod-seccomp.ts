// What the operator reads of a pod: the seccomp fields of the pod and its containers, and the
// states of containers that failed, to tell when a profile stopped one from running.
import type { KubeObject, OwnerReference } from "../kube/objects.js";
import { profileAnnotationsOf } from "./profile-not-applied.js";
import { setFields } from "./set-fields.js";

interface SecurityContextHolder {
  name?: string;
  securityContext?: { seccompProfile?: unknown; allowPrivilegeEscalation?: boolean; privileged?: boolean; windowsOptions?: { hostProcess?: boolean } };
}

interface ContainerStateShape {
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatusShape {
  name?: string;
  containerID?: string;
  restartCount?: number;
  state?: ContainerStateShape;
  lastState?: ContainerStateShape;
}

/** Runtime messages can be long (a whole OCI error chain); the start is what names the cause. */
const MESSAGE_LIMIT = 1024;

/** Waiting reasons of a container that is on its way up, or was never started: nothing to tell. */
const ROUTINE_WAITING = new Set(["ContainerCreating", "PodInitializing"]);

function reducedState(state: ContainerStateShape | undefined): ContainerStateShape | undefined {
  const waiting = state?.waiting;
  const terminated = state?.terminated;
  if (terminated !== undefined && terminated.exitCode !== 0) {
    const { reason, exitCode, signal, startedAt, finishedAt } = terminated;
    return { terminated: { reason, message: terminated.message?.slice(0, MESSAGE_LIMIT), exitCode, signal, startedAt, finishedAt } };
  }
  if (waiting?.reason !== undefined && !ROUTINE_WAITING.has(waiting.reason)) {
    return { waiting: { reason: waiting.reason, message: waiting.message?.slice(0, MESSAGE_LIMIT) } };
  }
  return undefined;
}

/** Only the statuses of containers that failed, waiting or terminated with an error, are kept. */
function troubledStatuses(statuses: ContainerStatusShape[] | undefined): ContainerStatusShape[] | undefined {
  const out: ContainerStatusShape[] = [];
  for (const cs of statuses ?? []) {
    const state = reducedState(cs.state);
    const lastState = reducedState(cs.lastState);
    if (state === undefined && lastState === undefined) continue;
    out.push({ name: cs.name, restartCount: cs.restartCount, ...(state ? { state } : {}), ...(lastState ? { lastState } : {}) });
  }
  return out.length === 0 ? undefined : out;
}

/**
 * A pod reduced to its identity and the operator's annotations (an informer transform: the caches hold only this), its node
 * and phase, the seccomp profiles it refers to with what decides how the runtime loads them
 * (privileged, allowPrivilegeEscalation), and its failed containers' states; with what `podSeccompOf`
 * (container-seccomp.ts) reads to tell each container's effective profile: the OS and HostProcess.
 */
export function podSeccompShape(pod: KubeObject): KubeObject {
  const spec = (pod.spec ?? {}) as SecurityContextHolder & {
    nodeName?: string;
    os?: { name?: string };
    containers?: SecurityContextHolder[];
    initContainers?: SecurityContextHolder[];
    ephemeralContainers?: SecurityContextHolder[];
  };
  const hostProcess = (h: SecurityContextHolder) => (h.securityContext?.windowsOptions?.hostProcess === undefined ? undefined : { hostProcess: h.securityContext.windowsOptions.hostProcess });
  const context = (h: SecurityContextHolder, pod: boolean) => {
    const sc = h.securityContext;
    return setFields({ seccompProfile: sc?.seccompProfile, ...(pod ? {} : { allowPrivilegeEscalation: sc?.allowPrivilegeEscalation, privileged: sc?.privileged }), windowsOptions: hostProcess(h) });
  };
  const keep = (c: SecurityContextHolder) => setFields({ name: c.name, securityContext: context(c, false) }) ?? {};
  const meta = pod.metadata ?? {};
  const status = (pod.status ?? {}) as { phase?: string; containerStatuses?: ContainerStatusShape[]; initContainerStatuses?: ContainerStatusShape[] };
  return (setFields({
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: setFields({ name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, annotations: profileAnnotationsOf(pod), ownerReferences: controllerReference(meta.ownerReferences) }),
    status: setFields({ phase: status.phase, containerStatuses: troubledStatuses(status.containerStatuses), initContainerStatuses: troubledStatuses(status.initContainerStatuses) }),
    spec: setFields({
      nodeName: spec.nodeName,
      os: spec.os === undefined ? undefined : { name: spec.os.name },
      securityContext: context(spec, true),
      containers: spec.containers?.map(keep),
      initContainers: spec.initContainers?.map(keep),
      ephemeralContainers: spec.ephemeralContainers?.map(keep),
    }),
  }) ?? {}) as KubeObject;
}

/** The controller's reference alone: a Job's pod is asked for a profile by the Job's annotations. */
function controllerReference(refs: OwnerReference[] | undefined): OwnerReference[] | undefined {
  const ref = refs?.find((r) => r.controller === true);
  return ref === undefined ? undefined : [{ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, controller: true }];
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
