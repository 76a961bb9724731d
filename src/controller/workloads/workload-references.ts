// Which profile each container of a workload asks for, read from the
// workload's own annotations: one for every container and init container,
// or one per container, which wins. Pure: no API calls.
import { CONTAINER_ANNOTATION_PREFIX, MAX_PROFILE_NAME_LENGTH, PROFILE_ANNOTATION } from "../../api/names.js";
import type { KubeObject } from "../../kube/objects.js";
import { CONTAINER_LISTS, podSpecOf, type ContainerLike, type WorkloadKind } from "./workload-kinds.js";

export interface ContainerId {
  container: string;
  /** An init container (spec.initContainers) rather than spec.containers. */
  init: boolean;
}

export interface WorkloadReference extends ContainerId {
  profile: string;
  /** The annotation the profile name came from. */
  annotation: string;
  /** As the container sets it; the API's default (unset) lets a process gain privileges. */
  allowPrivilegeEscalation: boolean | undefined;
  privileged: boolean;
}

export type ReferenceProblem =
  | { type: "unknown-container"; annotation: string; container: string; profile: string }
  | { type: "invalid-profile-name"; annotation: string; profile: string; containers: ContainerId[] };

export interface WorkloadReferences {
  references: WorkloadReference[];
  problems: ReferenceProblem[];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A name a SeccompProfile can have: a DNS-1123 subdomain short enough for `<name>.json` on the node. */
export function isProfileName(name: string): boolean {
  return name.length <= MAX_PROFILE_NAME_LENGTH && DNS1123_SUBDOMAIN.test(name);
}

export function referencesOf(kind: WorkloadKind, workload: KubeObject): WorkloadReferences {
  const annotations = workload.metadata?.annotations ?? {};
  const podSpec = podSpecOf(kind, workload);
  const containers = new Map<string, { init: boolean; spec: ContainerLike }>();
  for (const list of CONTAINER_LISTS) {
    for (const spec of podSpec?.[list] ?? []) {
      if (typeof spec.name === "string") containers.set(spec.name, { init: list === "initContainers", spec });
    }
  }

  const problems: ReferenceProblem[] = [];
  // Per-container annotations first: they win over the workload-wide one.
  const chosen = new Map<string, { profile: string; annotation: string }>();
  for (const [annotation, profile] of Object.entries(annotations).sort(([a], [b]) => a.localeCompare(b))) {
    if (!annotation.startsWith(CONTAINER_ANNOTATION_PREFIX)) continue;
    const container = annotation.slice(CONTAINER_ANNOTATION_PREFIX.length);
    if (!containers.has(container)) problems.push({ type: "unknown-container", annotation, container, profile });
    else chosen.set(container, { profile, annotation });
  }
  const workloadWide = annotations[PROFILE_ANNOTATION];
  if (workloadWide !== undefined) {
    for (const container of containers.keys()) {
      if (!chosen.has(container)) chosen.set(container, { profile: workloadWide, annotation: PROFILE_ANNOTATION });
    }
  }

  const references: WorkloadReference[] = [];
  const invalid = new Map<string, ReferenceProblem & { type: "invalid-profile-name" }>();
  for (const [container, { init, spec }] of containers) {
    const choice = chosen.get(container);
    if (choice === undefined) continue;
    if (!isProfileName(choice.profile)) {
      // A bad name does not fall back to another annotation: the container keeps what it has.
      const key = `${choice.annotation}\n${choice.profile}`;
      const problem = invalid.get(key) ?? { type: "invalid-profile-name", annotation: choice.annotation, profile: choice.profile, containers: [] };
      problem.containers.push({ container, init });
      invalid.set(key, problem);
      continue;
    }
    references.push({
      container,
      init,
      profile: choice.profile,
      annotation: choice.annotation,
      allowPrivilegeEscalation: spec.securityContext?.allowPrivilegeEscalation,
      privileged: spec.securityContext?.privileged === true,
    });
  }
  problems.push(...invalid.values());
  return { references, problems };
}
