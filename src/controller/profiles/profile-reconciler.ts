import { isDeepStrictEqual } from "node:util";
import { API_VERSION, FIELD_MANAGER, FINALIZER, PROFILE_KIND } from "../../api/names.js";
import type { NodeReport } from "../../api/node-status.js";
import type { Finding, ProfileStatus } from "../../api/profile-status.js";
import { PROFILE_RESOURCE } from "../../api/resources.js";
import type { Informer } from "../../kube/informer.js";
import type { Logger } from "../../kube/logger.js";
import { splitKey, type KubeObject } from "../../kube/objects.js";
import type { RestClient } from "../../kube/rest-client.js";
import type { HandlerResult } from "../../kube/work-queue.js";
import { compileObject, summarize } from "../../profile/compile.js";
import { aggregate } from "../nodes/node-aggregation.js";
import type { EventRecorder } from "../event-recorder.js";
import { computeStatus } from "./status-computation.js";
import type { ReadinessIndex } from "./readiness-index.js";
import type { UsageIndex } from "../workloads/usage-index.js";

export interface ProfileObject extends KubeObject {
  spec?: { baseProfileName?: string };
  status?: ProfileStatus;
}

export interface NodeStatusObject extends KubeObject {
  status?: NodeReport;
}

export interface ProfileReconcilerOptions {
  client: RestClient;
  profiles: Informer<ProfileObject>;
  nodeStatuses: Informer<NodeStatusObject>;
  usage: UsageIndex;
  readiness: ReadinessIndex;
  events: EventRecorder;
  catalogueNamespace: string;
  /** A node whose agent has not reported for this long is stale. */
  staleAfterMs: number;
  /** When the controller last saw a node's heartbeat change, by its own clock. */
  heartbeatSeenAt: (node: string) => number | undefined;
  logger: Logger;
  /** Findings about the workloads using a profile (privileged containers, ...). */
  workloadFindings: (namespace: string, name: string) => Finding[];
  /** Called when a profile's readiness changed, to roll the workloads that use it. */
  onReadinessChange: (namespace: string, name: string) => void;
}

/**
 * Reconciles one SeccompProfile: validates and renders it with the engine, aggregates the node
 * reports, keeps the finalizer while anything uses the profile, and writes the status. Reads
 * only caches and writes only what changed, so resyncs are cheap and repeated runs converge.
 */
export class ProfileReconciler {
  constructor(private readonly o: ProfileReconcilerOptions) {}

  async reconcile(key: string, signal: AbortSignal): Promise<HandlerResult> {
    const { namespace = "", name } = splitKey(key);
    const object = this.o.profiles.get(key);
    if (object === undefined) {
      if (this.o.readiness.set(key, undefined)) this.o.onReadinessChange(namespace, name);
      return;
    }
    const target = { apiVersion: API_VERSION, kind: PROFILE_KIND, namespace, name, ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}) };
    const compiled = compileObject(object, (ns, n) => this.o.profiles.get(`${ns}/${n}`), this.o.catalogueNamespace);
    const hash = compiled.ok ? compiled.value.rendered.hash : undefined;
    const nodes = aggregate(
      key,
      hash,
      this.o.nodeStatuses.list().map((n) => {
        const node = n.metadata?.name ?? "";
        const seenAt = this.o.heartbeatSeenAt(node);
        return seenAt === undefined ? { node, report: n.status } : { node, report: n.status, seenAt };
      }),
      Date.now(),
      this.o.staleAfterMs,
    );
    const users = this.o.usage.usersOf(namespace, name);
    const pods = this.o.usage.podsUsing(key);
    const deleting = object.metadata?.deletionTimestamp !== undefined;
    const blockedBy = [...users.map((u) => `${u.kind} ${u.namespace}/${u.name}`), ...pods.map((p) => `Pod ${p}`)];

    const computed = computeStatus(
      {
        namespace,
        name,
        generation: object.metadata?.generation ?? 0,
        previous: object.status,
        compiled: compiled.ok ? { ok: true, hash: hash!, findings: compiled.value.findings } : { ok: false, errors: compiled.error },
        nodes,
        usedBy: users.map((u) => ({ kind: u.kind, namespace: u.namespace, name: u.name, containers: u.containers })),
        hashesInUse: this.o.usage.hashesInUse(key),
        workloadFindings: this.o.workloadFindings(namespace, name),
        ...(deleting ? { deletion: { blockedBy } } : {}),
      },
      new Date(),
    );

    // What workloads may use: only a hash that every live node has.
    const state = !compiled.ok
      ? { state: "invalid" as const, key, reason: summarize(compiled.error) }
      : computed.ready || (deleting && nodes.installed === nodes.total && nodes.total > 0)
        ? { state: "ready" as const, key, hash: hash! }
        : { state: "pending" as const, key, reason: computed.status.conditions?.find((c) => c.type === "Installed")?.message ?? "not installed yet" };
    if (this.o.readiness.set(key, state)) this.o.onReadinessChange(namespace, name);

    // The finalizer comes first: a profile is protected before anything can start using it.
    if (!deleting) await this.setFinalizer(object, true, signal);
    await this.writeStatus(object, computed.status, signal);
    this.announce(target, object.status, computed.status);

    if (deleting) {
      if (blockedBy.length > 0) return { requeueAfter: 30_000 };
      await this.setFinalizer(object, false, signal);
      this.o.events.normal(target, "Released", "nothing uses the profile any more; node agents remove its files");
    }
    return;
  }

  private async writeStatus(object: ProfileObject, status: ProfileStatus, signal: AbortSignal): Promise<void> {
    if (isDeepStrictEqual(object.status ?? {}, status)) return;
    const { namespace, name } = object.metadata ?? {};
    await this.o.client.apply(
      { ...PROFILE_RESOURCE, namespace: namespace!, name: name!, subresource: "status" },
      { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, status },
      { fieldManager: FIELD_MANAGER, force: true, signal },
    );
  }

  /**
   * Adds the finalizer by server-side apply (a set, so it never conflicts with other writers)
   * and removes it by a JSON patch that first tests it is still where it was seen.
   */
  private async setFinalizer(object: ProfileObject, present: boolean, signal: AbortSignal): Promise<void> {
    const finalizers = object.metadata?.finalizers ?? [];
    const index = finalizers.indexOf(FINALIZER);
    if ((index >= 0) === present) return;
    const { namespace, name, uid } = object.metadata!;
    const ref = { ...PROFILE_RESOURCE, namespace: namespace!, name: name! };
    if (present) {
      // The uid makes the apply fail, rather than create an empty object, if the profile is gone.
      await this.o.client.apply(ref, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace, uid, finalizers: [FINALIZER] } }, { fieldManager: FIELD_MANAGER, signal });
      return;
    }
    await this.o.client.jsonPatch(
      ref,
      [
        { op: "test", path: `/metadata/finalizers/${index}`, value: FINALIZER },
        { op: "remove", path: `/metadata/finalizers/${index}` },
      ],
      { signal },
    );
  }

  /** Events on transitions only, so `kubectl describe` tells the story without noise. */
  private announce(target: Parameters<EventRecorder["normal"]>[0], before: ProfileStatus | undefined, after: ProfileStatus): void {
    const was = (type: string) => before?.conditions?.find((c) => c.type === type);
    const is = (type: string) => after.conditions?.find((c) => c.type === type);
    const valid = is("Valid");
    if (valid?.status === "False" && (was("Valid")?.status !== "False" || was("Valid")?.message !== valid.message)) {
      this.o.events.warn(target, "InvalidProfile", valid.message);
    }
    const installed = is("Installed");
    if (installed?.status === "True" && was("Installed")?.status !== "True") this.o.events.normal(target, "Installed", installed.message);
    if (installed?.reason === "InstallFailed" && was("Installed")?.reason !== "InstallFailed") this.o.events.warn(target, "InstallFailed", installed.message);
  }
}
