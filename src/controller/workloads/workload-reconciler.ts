// Reconciles one workload, named by a work queue key `Kind/namespace/name`:
// reads it from the informer cache, plans the seccompProfile fields its
// annotations ask for, and server-side-applies them with the operator's field
// manager only when that changes something. Level-triggered and idempotent:
// resyncs and replays write nothing.
import { FIELD_MANAGER } from "../../api/names.js";
import { isConflict } from "../../kube/api-error.js";
import type { Logger } from "../../kube/logger.js";
import type { Manager } from "../../kube/manager.js";
import { splitKey, type KubeObject } from "../../kube/objects.js";
import type { RestClient } from "../../kube/rest-client.js";
import { PROFILES, workloadCaches } from "../controller-caches.js";
import type { ReadinessIndex, ReadinessLookup } from "../profiles/readiness-index.js";
import type { UsageIndex } from "./usage-index.js";
import type { WorkloadEvents, WorkloadRef } from "./workload-event-reasons.js";
import { parseWorkloadKey, workloadKey, WORKLOADS, type WorkloadKind } from "./workload-kinds.js";
import { planWorkload, type WorkloadPlan } from "./workload-plan.js";
import { referencesOf } from "./workload-references.js";
import { usesOf } from "./workload-uses.js";

/** The part of an Informer the reconciler reads. */
export interface WorkloadCache {
  /** By `namespace/name`. */
  get(key: string): KubeObject | undefined;
}

export interface WorkloadReconcilerOptions {
  client: RestClient;
  /** One cache per kind the controller watches; keys of other kinds are ignored. */
  caches: Partial<Record<WorkloadKind, WorkloadCache>>;
  readiness: ReadinessLookup;
  events: WorkloadEvents;
  logger: Logger;
  /** Told of every apply that went through (the admission webhook checks whether it was skipped). */
  onApplied?: (kind: WorkloadKind, workload: KubeObject, plan: WorkloadPlan) => void;
}

export type WorkloadOutcome =
  /** Not in the cache, or deleted before the apply reached it. */
  | { result: "gone" }
  /** Not the operator's to patch: being deleted, or its template is copied from an owner. */
  | { result: "skipped"; reason: string }
  | { result: "unchanged"; plan: WorkloadPlan }
  | { result: "applied"; plan: WorkloadPlan };

/**
 * When a workload is queued (`Kind/namespace/name`), all of it:
 * - it is added or changes, and asks for a profile or still carries the operator's fields;
 * - a profile of a name it asks for appears, changes or goes (in any namespace: the name may
 *   now resolve elsewhere);
 * - such a profile's readiness changes (its new hash is installed everywhere, it became invalid);
 * - this replica starts leading (every such workload, once). A failed apply is retried with backoff.
 */
export function setupWorkloadReconciler(
  manager: Manager,
  /** `readiness` says when to requeue; `lookup` (the profile gate) answers, as admission does. */
  setup: { usage: UsageIndex; readiness: ReadinessIndex; lookup: ReadinessLookup; events: WorkloadEvents; onApplied?: WorkloadReconcilerOptions["onApplied"] },
): void {
  const caches = workloadCaches(manager);
  const reconciler = new WorkloadReconciler({
    client: manager.client,
    caches: Object.fromEntries(caches),
    readiness: setup.lookup,
    events: setup.events,
    logger: manager.logger,
    ...(setup.onApplied === undefined ? {} : { onApplied: setup.onApplied }),
  });
  const wanted = (kind: WorkloadKind, w: KubeObject): string[] => {
    // Only workloads that ask for a profile, or still carry our fields, need a reconcile.
    const ours = (w.metadata?.managedFields?.length ?? 0) > 0;
    if (!ours && usesOf(kind, w).length === 0) return [];
    return [workloadKey(kind, w.metadata?.namespace ?? "", w.metadata?.name ?? "")];
  };
  const queue = manager.reconciler({
    name: "workloads",
    leaderOnly: true,
    groupOf: (key) => parseWorkloadKey(key)?.namespace ?? "",
    reconcile: async (key, signal) => {
      await reconciler.reconcileKey(key, signal);
    },
    initialKeys: () => [...caches].flatMap(([kind, informer]) => informer.list().flatMap((w) => wanted(kind, w))),
  });
  for (const [kind, informer] of caches) manager.watch(informer, queue, ({ type, object }) => (type === "delete" ? [] : wanted(kind, object)));
  manager.watch(manager.cache(PROFILES), queue, ({ object }) => (object.metadata?.name === undefined ? [] : setup.usage.workloadsNaming(object.metadata.name)));
  manager.watchSignal(setup.readiness.changed, queue, (key) => setup.usage.workloadsNaming(splitKey(key).name));
}

export class WorkloadReconciler {
  constructor(private readonly options: WorkloadReconcilerOptions) {}

  /** For the work queue; a throw (an API failure) means "retry with backoff". */
  async reconcileKey(key: string, signal?: AbortSignal): Promise<WorkloadOutcome> {
    const parts = parseWorkloadKey(key);
    if (parts === undefined) {
      this.options.logger.error("not a workload key, dropped", { key });
      return { result: "skipped", reason: "not a workload key" };
    }
    return this.reconcileWorkload(parts.kind, parts.namespace, parts.name, signal);
  }

  async reconcileWorkload(kind: WorkloadKind, namespace: string, name: string, signal?: AbortSignal): Promise<WorkloadOutcome> {
    const key = workloadKey(kind, namespace, name);
    const logger = this.options.logger.child({ key });
    const workload = this.options.caches[kind]?.get(`${namespace}/${name}`);
    if (workload === undefined) return { result: "gone" };
    const skip = reasonToSkip(kind, workload);
    if (skip !== undefined) {
      logger.debug("workload skipped", { reason: skip });
      return { result: "skipped", reason: skip };
    }

    const plan = planWorkload(kind, workload, referencesOf(kind, workload), this.options.readiness);
    if (!plan.write) {
      this.emit(kind, workload, plan);
      return { result: "unchanged", plan };
    }
    try {
      await this.options.client.apply(WORKLOADS[kind].resource, plan.body, { fieldManager: FIELD_MANAGER, force: true, signal });
    } catch (err) {
      // The uid in the body makes an apply to a deleted object fail instead of creating it.
      if (isConflict(err)) return { result: "gone" };
      // The retry reports the Events; none claims a change that did not happen.
      throw err;
    }
    logger.info("pod template seccomp profiles applied", {
      profiles: plan.desired.map((d) => ({ list: d.list, container: d.container, localhostProfile: d.value.localhostProfile, origin: d.origin })),
    });
    this.emit(kind, workload, plan);
    this.options.onApplied?.(kind, workload, plan);
    return { result: "applied", plan };
  }

  private emit(kind: WorkloadKind, workload: KubeObject, plan: WorkloadPlan): void {
    const ref = refOf(kind, workload);
    for (const event of plan.events) {
      if (event.type === "Warning") this.options.events.warn(ref, event.reason, event.message);
      else this.options.events.normal(ref, event.reason, event.message);
    }
  }
}

/**
 * A ReplicaSet of a Deployment, or a Job of a CronJob, gets its template from
 * its owner (annotations included, for ReplicaSets): the owner is patched, and
 * patching the copy would fight its controller.
 */
function reasonToSkip(kind: WorkloadKind, workload: KubeObject): string | undefined {
  if (workload.metadata?.deletionTimestamp) return "being deleted";
  const owner = workload.metadata?.ownerReferences?.find((o) => o.controller);
  if (kind === "ReplicaSet" && owner?.kind === "Deployment" && owner.apiVersion === WORKLOADS.Deployment.apiVersion) return `controlled by Deployment ${owner.name}`;
  if (kind === "Job" && owner?.kind === "CronJob" && owner.apiVersion === WORKLOADS.CronJob.apiVersion) return `controlled by CronJob ${owner.name}`;
  return undefined;
}

function refOf(kind: WorkloadKind, workload: KubeObject): WorkloadRef {
  return {
    apiVersion: WORKLOADS[kind].apiVersion,
    kind,
    namespace: workload.metadata?.namespace ?? "",
    name: workload.metadata?.name ?? "",
    uid: workload.metadata?.uid,
    resourceVersion: workload.metadata?.resourceVersion,
  };
}
