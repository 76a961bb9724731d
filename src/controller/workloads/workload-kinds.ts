// The workload kinds whose pod templates the controller patches: where the
// API serves each one, where its pod template lives, and the partial object
// that server-side apply takes for it.
import type { KubeObject } from "../../kube/objects.js";
import type { Resource } from "../../kube/resource.js";

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadKindInfo {
  kind: WorkloadKind;
  apiVersion: string;
  resource: Resource;
  /** Path from the object's root to its PodTemplateSpec. */
  templatePath: readonly string[];
  /** A Job's pod template is immutable once the Job exists; every other template can change. */
  templateMutable: boolean;
}

const apps = (kind: WorkloadKind, plural: string): WorkloadKindInfo => ({
  kind,
  apiVersion: "apps/v1",
  resource: { group: "apps", version: "v1", plural },
  templatePath: ["spec", "template"],
  templateMutable: true,
});

export const WORKLOADS: Readonly<Record<WorkloadKind, WorkloadKindInfo>> = {
  Deployment: apps("Deployment", "deployments"),
  StatefulSet: apps("StatefulSet", "statefulsets"),
  DaemonSet: apps("DaemonSet", "daemonsets"),
  ReplicaSet: apps("ReplicaSet", "replicasets"),
  Job: {
    kind: "Job",
    apiVersion: "batch/v1",
    resource: { group: "batch", version: "v1", plural: "jobs" },
    templatePath: ["spec", "template"],
    templateMutable: false,
  },
  CronJob: {
    kind: "CronJob",
    apiVersion: "batch/v1",
    resource: { group: "batch", version: "v1", plural: "cronjobs" },
    // Changing it affects the Jobs the CronJob creates from now on.
    templatePath: ["spec", "jobTemplate", "spec", "template"],
    templateMutable: true,
  },
};

export function isWorkloadKind(value: string): value is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(value);
}

/** The two lists of a pod spec that the controller patches, both keyed by `name`. */
export type ContainerList = "containers" | "initContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["initContainers", "containers"];

export interface SeccompProfileValue {
  type?: string;
  localhostProfile?: string;
}

export interface ContainerLike {
  name?: string;
  securityContext?: {
    seccompProfile?: SeccompProfileValue;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
  };
}

export type PodSpecLike = Partial<Record<ContainerList, ContainerLike[]>>;

/** The pod spec inside a workload's template, or undefined when the object has none. */
export function podSpecOf(kind: WorkloadKind, workload: KubeObject): PodSpecLike | undefined {
  let node: unknown = workload;
  for (const segment of [...WORKLOADS[kind].templatePath, "spec"]) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === "object" && node !== null ? (node as PodSpecLike) : undefined;
}

/** One container's part of an apply body: its key and the only field the controller owns. */
export interface ContainerPatch {
  name: string;
  securityContext: { seccompProfile: SeccompProfileValue };
}

export type PodSpecPatch = Partial<Record<ContainerList, ContainerPatch[]>>;

export interface ApplyTarget {
  namespace: string;
  name: string;
  /** Makes the apply fail rather than create the object again if it was deleted (or replaced) meanwhile. */
  uid?: string;
}

/**
 * A partial object of `kind` holding only `podSpec` in its template. With no
 * containers at all it holds no spec: applied, it drops every field the
 * manager owned.
 */
export function applyBodyFor(kind: WorkloadKind, target: ApplyTarget, podSpec: PodSpecPatch): KubeObject {
  const info = WORKLOADS[kind];
  const metadata = { name: target.name, namespace: target.namespace, ...(target.uid ? { uid: target.uid } : {}) };
  const body: KubeObject = { apiVersion: info.apiVersion, kind, metadata };
  const lists = CONTAINER_LISTS.filter((list) => (podSpec[list]?.length ?? 0) > 0);
  if (lists.length === 0) return body;
  let nested: Record<string, unknown> = { spec: Object.fromEntries(lists.map((list) => [list, podSpec[list]])) };
  for (const segment of [...info.templatePath].reverse()) nested = { [segment]: nested };
  return { ...body, ...nested };
}

export interface WorkloadKeyParts {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export function workloadKey(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The inverse of workloadKey; undefined for a key that is not one. */
export function parseWorkloadKey(key: string): WorkloadKeyParts | undefined {
  const [kind, namespace, name, ...rest] = key.split("/");
  if (kind === undefined || !isWorkloadKind(kind) || !namespace || !name || rest.length > 0) return undefined;
  return { kind, namespace, name };
}
