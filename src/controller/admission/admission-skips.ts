// Whether the admission webhook was skipped: the controller just had to set a profile in a
// workload that was created while that profile was already installed everywhere, which the
// webhook would have done at creation had the API server called it (unreachable, timed out,
// failurePolicy Ignore). Each such case is counted and reported on the workload, since it
// costs one more rollout.
import { Counter, type Registry } from "prom-client";
import { parsePinnedPath, pinnedKey } from "../../api/node-paths.js";
import type { KubeObject } from "../../kube/objects.js";
import type { EventRecorder } from "../event-recorder.js";
import { WORKLOADS, type WorkloadKind } from "../workloads/workload-kinds.js";
import { currentValues, type WorkloadPlan } from "../workloads/workload-plan.js";

/** Caches and the index may lag the API server by this much: a workload created closer to the profile being ready proves nothing. */
const GRACE_MS = 5_000;

export const AdmissionSkipped = "AdmissionSkipped";

/** The pinned profiles (`ns/name/hash`) set now that were ready when the workload was created; empty if none. */
export function missedAtAdmission(kind: WorkloadKind, workload: KubeObject, plan: WorkloadPlan, readySince: (key: string, hash: string) => number | undefined): string[] {
  const created = Date.parse(workload.metadata?.creationTimestamp ?? "");
  if (Number.isNaN(created)) return [];
  const current = currentValues(kind, workload);
  const missed = new Set<string>();
  for (const d of plan.desired) {
    if (d.origin !== "ready" || d.value.localhostProfile === undefined) continue;
    if (current.get(`${d.list}/${d.container}`)?.localhostProfile === d.value.localhostProfile) continue;
    const pinned = parsePinnedPath(d.value.localhostProfile);
    if (pinned === undefined) continue;
    const since = readySince(`${pinned.namespace}/${pinned.name}`, pinned.hash);
    // Second-granular timestamps: the creation may look up to a second early.
    if (since !== undefined && created + 1_000 - since > GRACE_MS) missed.add(pinnedKey(pinned));
  }
  return [...missed];
}

/** Workload versions reported, so that a reconcile repeated from a cache that has not seen its own apply yet counts once. */
const MAX_REMEMBERED = 10_000;

export function admissionSkipReporter(registry: Registry, events: Pick<EventRecorder, "warn">, readySince: (key: string, hash: string) => number | undefined) {
  const reported = new Set<string>();
  const skipped = new Counter({
    name: "seccomp_admission_skipped_total",
    help: "Workloads whose profile the admission webhook did not set at creation although it was ready (webhook not called or failed open); the controller patched them, one more rollout.",
    labelNames: ["kind"],
    registers: [registry],
  });
  return (kind: WorkloadKind, workload: KubeObject, plan: WorkloadPlan): void => {
    const missed = missedAtAdmission(kind, workload, plan, readySince);
    if (missed.length === 0) return;
    const { namespace = "", name = "", uid, generation } = workload.metadata ?? {};
    const version = `${uid ?? `${namespace}/${name}`}@${generation ?? 0}`;
    if (reported.has(version)) return;
    reported.add(version);
    if (reported.size > MAX_REMEMBERED) reported.delete(reported.values().next().value!);
    skipped.inc({ kind });
    events.warn(
      { apiVersion: WORKLOADS[kind].apiVersion, kind, namespace, name, ...(uid === undefined ? {} : { uid }) },
      AdmissionSkipped,
      `created while ${missed.join(", ")} was installed on every node, but admission did not set it (the webhook was not called or did not answer in time); the controller set it now, which rolls the workload once more`,
    );
  };
}
