// What the operator's field manager should own in a workload's pod template,
// given the profiles it asks for and whether each is installed everywhere:
// the apply body, whether applying it changes anything, and the Events to
// report. Pure: the reconciler reads and writes; this decides.
import { pinnedLocalhostPath } from "../../api/node-paths.js";
import type { KubeObject } from "../../kube/objects.js";
import { splitKey } from "../../kube/objects.js";
import { WorkloadEventReason } from "./workload-event-reasons.js";
import { ownedFields, type OwnedFields } from "./pod-template-fields.js";
import {
  applyBodyFor,
  podSpecOf,
  WORKLOADS,
  type ContainerList,
  type ContainerPatch,
  type PodSpecPatch,
  type SeccompProfileValue,
  type WorkloadKind,
} from "./workload-kinds.js";
import type { ProfileReadiness, ReadinessLookup } from "../profiles/readiness-index.js";
import type { ContainerId, WorkloadReference, WorkloadReferences } from "./workload-references.js";

export interface DesiredProfile {
  list: ContainerList;
  container: string;
  value: SeccompProfileValue;
  /** "ready": a profile installed everywhere; "kept": a value the manager already owns, re-applied so that it stays. */
  origin: "ready" | "kept";
}

export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: WorkloadEventReason;
  message: string;
}

export interface WorkloadPlan {
  desired: DesiredProfile[];
  /** The manager's complete intent for the object: exactly the desired fields. */
  body: KubeObject;
  /** Applying `body` would change the object: a value, or what the manager owns. Never for a Job. */
  write: boolean;
  events: PlannedEvent[];
}

export function planWorkload(kind: WorkloadKind, workload: KubeObject, refs: WorkloadReferences, readiness: ReadinessLookup): WorkloadPlan {
  const namespace = workload.metadata?.namespace ?? "";
  const owned = ownedFields(kind, workload);
  const current = currentValues(kind, workload);
  const events: PlannedEvent[] = [];
  const answers = new Map<string, ProfileReadiness>();
  const readinessOf = (profile: string): ProfileReadiness => {
    let answer = answers.get(profile);
    if (answer === undefined) answers.set(profile, (answer = readiness(namespace, profile)));
    return answer;
  };

  const kept = (list: ContainerList, container: string): DesiredProfile | undefined => {
    const mine = owned.profiles.find((p) => p.list === list && p.container === container);
    const now = current.get(idOf(list, container));
    if (mine === undefined || now === undefined) return undefined;
    const value: SeccompProfileValue = {};
    for (const field of mine.fields) {
      const v = now[field as keyof SeccompProfileValue];
      if (v !== undefined) value[field as keyof SeccompProfileValue] = v;
    }
    return Object.keys(value).length > 0 ? { list, container, value, origin: "kept" } : undefined;
  };

  for (const problem of refs.problems) {
    if (problem.type === "unknown-container") {
      events.push(warning(WorkloadEventReason.UnknownContainer, `annotation ${problem.annotation} names container "${problem.container}", which the pod template does not have`));
    } else {
      events.push(
        warning(WorkloadEventReason.InvalidName, `annotation ${problem.annotation}: "${problem.profile}" is not a valid profile name (a DNS-1123 subdomain); kept as they are: ${describeContainers(problem.containers)}`),
      );
    }
  }
  const invalidNamed = refs.problems.flatMap((p) => (p.type === "invalid-profile-name" ? p.containers : []));

  const byProfile = groupBy(refs.references, (r) => r.profile);
  const pending = [...byProfile].filter(([profile]) => readinessOf(profile).state === "pending");
  const desired: DesiredProfile[] = [];
  if (pending.length > 0) {
    // One rollout once everything is installed, not one per profile: the whole template waits.
    for (const [profile, containers] of pending) {
      const answer = readinessOf(profile) as ProfileReadiness & { state: "pending" };
      events.push({
        type: "Normal",
        reason: WorkloadEventReason.Pending,
        message: `waiting for profile ${answer.key} to be installed on every node (${answer.reason}); until then the pod template keeps its current seccomp profiles (asked for by: ${describeContainers(containers)})`,
      });
    }
    for (const p of owned.profiles) pushDefined(desired, kept(p.list, p.container));
  } else {
    for (const [profile, containers] of byProfile) {
      const answer = readinessOf(profile);
      if (answer.state === "ready") {
        const { namespace: where = namespace, name } = splitKey(answer.key);
        const value = { type: "Localhost", localhostProfile: pinnedLocalhostPath(where, name, answer.hash) };
        for (const r of containers) desired.push({ list: listOf(r), container: r.container, value, origin: "ready" });
        continue;
      }
      for (const r of containers) pushDefined(desired, kept(listOf(r), r.container));
      const keeps = `kept as they are: ${describeContainers(containers)}`;
      if (answer.state === "invalid") events.push(warning(WorkloadEventReason.Invalid, `profile ${answer.key} is invalid (${answer.reason}); ${keeps}`));
      else if (answer.state === "missing") events.push(warning(WorkloadEventReason.NotFound, `no SeccompProfile "${profile}" in namespace ${namespace} or the catalogue; ${keeps}`));
    }
    for (const c of invalidNamed) pushDefined(desired, kept(listOf(c), c.container));
  }

  const changed = desired.filter((d) => d.origin === "ready" && !sameValue(current.get(idOf(d.list, d.container)), d.value));
  const write = WORKLOADS[kind].templateMutable && needsWrite(owned, current, desired);
  if (!WORKLOADS[kind].templateMutable) {
    if (changed.length > 0) {
      events.push(
        warning(
          WorkloadEventReason.JobTemplateImmutable,
          `a Job's pod template cannot change after creation: ${describePatches(changed)} are not set; set them in the Job's manifest, or use a CronJob, whose template the operator patches`,
        ),
      );
    }
  } else if (write) {
    if (changed.length > 0) events.push({ type: "Normal", reason: WorkloadEventReason.Applied, message: `seccomp profile set in the pod template: ${describePatches(changed)}` });
    const dropped = owned.profiles.filter((p) => !desired.some((d) => d.list === p.list && d.container === p.container));
    if (dropped.length > 0) {
      events.push({
        type: "Normal",
        reason: WorkloadEventReason.Removed,
        message: `no annotation asks for a profile any more; seccomp profile fields removed from: ${describeContainers(dropped.map((p) => ({ container: p.container, init: p.list === "initContainers" })))}`,
      });
    }
    events.push(...privilegeWarnings(refs.references.filter((r) => changed.some((d) => d.container === r.container))));
  }

  const target = { namespace, name: workload.metadata?.name ?? "", uid: workload.metadata?.uid };
  return { desired, body: applyBodyFor(kind, target, patchOf(desired)), write, events };
}

/**
 * Whether applying `desired` would change the object: a value differs from the
 * template, or the manager owns a different set of fields (more, fewer, other).
 * A write that changes nothing is what a resync must avoid.
 */
export function needsWrite(owned: OwnedFields, current: ReadonlyMap<string, SeccompProfileValue>, desired: readonly DesiredProfile[]): boolean {
  if (owned.other) return true;
  const mine = new Map(owned.profiles.map((p) => [idOf(p.list, p.container), p.fields.join(",")]));
  if (mine.size !== desired.length) return true;
  for (const d of desired) {
    const id = idOf(d.list, d.container);
    const fields = Object.keys(d.value)
      .filter((k) => d.value[k as keyof SeccompProfileValue] !== undefined)
      .sort()
      .join(",");
    if (mine.get(id) !== fields || !sameValue(current.get(id), d.value)) return true;
  }
  return false;
}

/** The seccompProfile of each container and init container in the template, by `list/name`. */
export function currentValues(kind: WorkloadKind, workload: KubeObject): Map<string, SeccompProfileValue> {
  const values = new Map<string, SeccompProfileValue>();
  const spec = podSpecOf(kind, workload);
  for (const list of ["containers", "initContainers"] as const) {
    for (const c of spec?.[list] ?? []) {
      if (typeof c.name === "string") values.set(idOf(list, c.name), c.securityContext?.seccompProfile ?? {});
    }
  }
  return values;
}

export function privilegeWarnings(refs: readonly WorkloadReference[]): PlannedEvent[] {
  const events: PlannedEvent[] = [];
  const privileged = refs.filter((r) => r.privileged);
  const escalating = refs.filter((r) => !r.privileged && r.allowPrivilegeEscalation !== false);
  if (privileged.length > 0) {
    events.push(warning(WorkloadEventReason.Privileged, `seccomp does not apply to privileged containers, so the profile has no effect on: ${describeContainers(privileged)}`));
  }
  if (escalating.length > 0) {
    events.push(
      warning(
        WorkloadEventReason.PrivilegeEscalation,
        `allowPrivilegeEscalation is not false, so the runtime loads the filter before dropping privileges and the profile must also allow the runtime's start-up syscalls: ${describeContainers(escalating)}`,
      ),
    );
  }
  return events;
}

function patchOf(desired: readonly DesiredProfile[]): PodSpecPatch {
  const patch: PodSpecPatch = {};
  for (const d of desired) {
    const item: ContainerPatch = { name: d.container, securityContext: { seccompProfile: d.value } };
    (patch[d.list] ??= []).push(item);
  }
  return patch;
}

function sameValue(a: SeccompProfileValue | undefined, b: SeccompProfileValue): boolean {
  return a !== undefined && a.type === b.type && a.localhostProfile === b.localhostProfile;
}

function idOf(list: ContainerList, container: string): string {
  return `${list}/${container}`;
}

function listOf(c: ContainerId): ContainerList {
  return c.init ? "initContainers" : "containers";
}

function pushDefined<T>(into: T[], value: T | undefined): void {
  if (value !== undefined) into.push(value);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function warning(reason: WorkloadEventReason, message: string): PlannedEvent {
  return { type: "Warning", reason, message };
}

function describeContainers(containers: readonly ContainerId[]): string {
  const names = containers.map((c) => (c.init ? `init container ${c.container}` : `container ${c.container}`));
  return names.join(", ");
}

function describePatches(desired: readonly DesiredProfile[]): string {
  return desired.map((d) => `${d.list === "initContainers" ? "init container" : "container"} ${d.container}: ${d.value.localhostProfile ?? d.value.type}`).join(", ");
}
