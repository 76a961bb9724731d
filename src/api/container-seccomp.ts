// The seccomp profile each container of a pod effectively runs under, as the kubelet decides it:
// the container's own field wins over the pod's; a privileged container is always unconfined;
// with neither field set the kubelet's default applies, which is Unconfined unless the kubelet runs
// with `seccompDefault: true`. Pure: the report and the controller's metrics share it.
import { parseProfilePath } from "./node-paths.js";

/** From least to most confined: `--fail-on X` fails on X and everything before it. */
export const PROFILE_TYPES = ["unconfined", "runtime-default", "localhost-operator", "localhost-other"] as const;
export type ProfileType = (typeof PROFILE_TYPES)[number];

/** The level of a type for `--fail-on`: any Localhost profile counts as confined, whoever wrote it. */
export function profileLevel(type: ProfileType): number {
  return type === "unconfined" ? 0 : type === "runtime-default" ? 1 : 2;
}

export type ContainerKind = "container" | "init" | "ephemeral";

/** Where the effective profile comes from. */
export type ProfileSource = "container" | "pod" | "default" | "privileged";

export interface ContainerSeccomp {
  name: string;
  kind: ContainerKind;
  type: ProfileType;
  source: ProfileSource;
  /** The path below `<kubelet root>/seccomp`, for Localhost profiles. */
  localhostProfile?: string;
  /** For paths the operator owns: the profile, and the hash for a content-pinned path. */
  operatorProfile?: { namespace: string; name: string; hash?: string };
  privileged: boolean;
  /** True unless the container sets `allowPrivilegeEscalation: false` (the API refuses that with privileged). */
  allowPrivilegeEscalation: boolean;
}

export type PodSeccomp = { ignored: string } | { ignored?: undefined; containers: ContainerSeccomp[] };

interface ProfileField {
  type?: string;
  localhostProfile?: string;
}
interface SecurityContext {
  seccompProfile?: ProfileField;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  windowsOptions?: { hostProcess?: boolean };
}
interface ContainerLike {
  name?: string;
  securityContext?: SecurityContext;
}
interface PodLike {
  status?: { phase?: string };
  spec?: {
    os?: { name?: string };
    securityContext?: SecurityContext;
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    ephemeralContainers?: ContainerLike[];
  };
}

/** Why seccomp does not apply to a pod at all, or undefined when it does. */
function ignoredReason(spec: NonNullable<PodLike["spec"]>, containers: ContainerLike[]): string | undefined {
  if (spec.os?.name === "windows") return "Windows pod: seccomp does not apply";
  const hostProcess = spec.securityContext?.windowsOptions?.hostProcess === true || containers.some((c) => c.securityContext?.windowsOptions?.hostProcess === true);
  if (hostProcess) return "Windows HostProcess pod: seccomp does not apply";
  return undefined;
}

/** Every container of a pod (init, regular, ephemeral) with its effective profile; a finished pod runs none. */
export function podSeccompOf(pod: unknown): PodSeccomp {
  const phase = (pod as PodLike).status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return { ignored: `${phase}: runs no container` };
  const spec = (pod as PodLike).spec ?? {};
  const lists: [ContainerKind, ContainerLike[]][] = [
    ["init", spec.initContainers ?? []],
    ["container", spec.containers ?? []],
    ["ephemeral", spec.ephemeralContainers ?? []],
  ];
  const ignored = ignoredReason(spec, lists.flatMap(([, list]) => list));
  if (ignored !== undefined) return { ignored };
  const podField = spec.securityContext?.seccompProfile;
  return { containers: lists.flatMap(([kind, list]) => list.map((c) => containerSeccomp(kind, c, podField))) };
}

function containerSeccomp(kind: ContainerKind, container: ContainerLike, podField: ProfileField | undefined): ContainerSeccomp {
  const sc = container.securityContext ?? {};
  const privileged = sc.privileged === true;
  const base = { name: container.name ?? "", kind, privileged, allowPrivilegeEscalation: sc.allowPrivilegeEscalation !== false };
  if (privileged) return { ...base, type: "unconfined", source: "privileged" };
  const own = sc.seccompProfile?.type !== undefined ? sc.seccompProfile : undefined;
  const field = own ?? (podField?.type !== undefined ? podField : undefined);
  const source: ProfileSource = own ? "container" : field ? "pod" : "default";
  switch (field?.type) {
    case "RuntimeDefault":
      return { ...base, type: "runtime-default", source };
    case "Localhost": {
      const path = field.localhostProfile ?? "";
      const ref = parseProfilePath(path);
      if (ref === undefined) return { ...base, type: "localhost-other", source, localhostProfile: path };
      return { ...base, type: "localhost-operator", source, localhostProfile: path, operatorProfile: ref };
    }
    default:
      // "Unconfined", or no field at all: the kubelet's default (Unconfined unless seccompDefault).
      return { ...base, type: "unconfined", source };
  }
}
