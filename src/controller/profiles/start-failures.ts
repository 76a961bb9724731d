// Containers that a profile stopped from running, read from a pod's container statuses: the
// runtime could not load the profile, failed to start the process under it, or the kernel
// killed the process with SIGSYS. Pure: from a cached pod to the failures it shows.
import { parseProfilePath } from "../../api/node-paths.js";
import type { ContainerStatusShape } from "../../api/pod-seccomp.js";
import type { KubeObject } from "../../kube/objects.js";

export type StartFailureKind =
  /** The runtime could not read or decode the profile file (CreateContainerError). */
  | "unloadable"
  /** The runtime loaded the filter, then failed before the command ran (StartError, RunContainerError). */
  | "start-failed"
  /** The kernel killed the process for a denied call (SIGSYS: SCMP_ACT_KILL*, exit code 159). */
  | "killed";

export interface StartFailure {
  /** `namespace/name` of the pod. */
  pod: string;
  node?: string;
  container: string;
  /** `namespace/name` of the profile the container ran under. */
  profile: string;
  /** The pinned hash the container ran under; undefined for the stable path. */
  hash?: string;
  kind: StartFailureKind;
  /** The runtime's reason and message, e.g. `StartError: ... open exec fifo ...: function not implemented`. */
  detail: string;
  /** Kubernetes sets noNewPrivileges exactly when allowPrivilegeEscalation is false. */
  noNewPrivileges: boolean;
}

const SIGSYS = 31;

interface ContainerSpecShape {
  name?: string;
  securityContext?: { seccompProfile?: { type?: string; localhostProfile?: string }; allowPrivilegeEscalation?: boolean; privileged?: boolean };
}

interface PodShape {
  metadata?: { namespace?: string; name?: string };
  spec?: { nodeName?: string; securityContext?: { seccompProfile?: { type?: string; localhostProfile?: string } }; containers?: ContainerSpecShape[]; initContainers?: ContainerSpecShape[] };
  status?: { containerStatuses?: ContainerStatusShape[]; initContainerStatuses?: ContainerStatusShape[] };
}

function classify(status: ContainerStatusShape): { kind: StartFailureKind; detail: string } | undefined {
  for (const state of [status.state, status.lastState]) {
    const waiting = state?.waiting;
    if (waiting?.reason === "CreateContainerError" && /seccomp/i.test(waiting.message ?? "")) {
      return { kind: "unloadable", detail: `${waiting.reason}: ${waiting.message}` };
    }
    if (waiting?.reason === "RunContainerError") return { kind: "start-failed", detail: `${waiting.reason}: ${waiting.message ?? ""}` };
    const terminated = state?.terminated;
    if (terminated === undefined) continue;
    if (terminated.reason === "StartError") return { kind: "start-failed", detail: `${terminated.reason}: ${terminated.message ?? ""}` };
    if (terminated.signal === SIGSYS || terminated.exitCode === 128 + SIGSYS) {
      return { kind: "killed", detail: `exit code ${terminated.exitCode ?? 128 + SIGSYS} (SIGSYS)${terminated.message ? `: ${terminated.message}` : ""}` };
    }
  }
  return undefined;
}

/**
 * The failures of a pod's containers that run under one of the operator's profiles. Only
 * profiles the pod may use count (its own namespace's and the catalogue's), so no tenant can
 * write findings onto another tenant's profile.
 */
export function startFailuresOf(pod: KubeObject, catalogueNamespace: string): StartFailure[] {
  const { metadata, spec, status } = pod as PodShape;
  const namespace = metadata?.namespace ?? "";
  const podKey = `${namespace}/${metadata?.name ?? ""}`;
  const specs = new Map<string, ContainerSpecShape>();
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) if (c.name !== undefined) specs.set(c.name, c);
  const out: StartFailure[] = [];
  for (const cs of [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? [])]) {
    const container = specs.get(cs.name ?? "");
    if (container === undefined || container.securityContext?.privileged === true) continue;
    const field = container.securityContext?.seccompProfile ?? spec?.securityContext?.seccompProfile;
    if (field?.type !== "Localhost" || field.localhostProfile === undefined) continue;
    const ref = parseProfilePath(field.localhostProfile);
    if (ref === undefined || (ref.namespace !== namespace && ref.namespace !== catalogueNamespace)) continue;
    const failure = classify(cs);
    if (failure === undefined) continue;
    out.push({
      pod: podKey,
      ...(spec?.nodeName === undefined ? {} : { node: spec.nodeName }),
      container: cs.name!,
      profile: `${ref.namespace}/${ref.name}`,
      ...(ref.hash === undefined ? {} : { hash: ref.hash }),
      ...failure,
      noNewPrivileges: container.securityContext?.allowPrivilegeEscalation === false,
    });
  }
  return out;
}
