// Reconciles SeccompProfiles: status, finalizer, readiness for the workloads. Leader only.
// setupProfileReconciler says when a profile is queued; ProfileReconciler what a reconcile does.
import { isDeepStrictEqual } from "node:util";
import { API_VERSION, FIELD_MANAGER, FINALIZER, PROFILE_KIND } from "../../api/names.js";
import type { Finding, ProfileStatus } from "../../api/profile-status.js";
import { PROFILE_RESOURCE } from "../../api/resources.js";
import type { Informer } from "../../kube/informer.js";
import type { Logger } from "../../kube/logger.js";
import type { Manager } from "../../kube/manager.js";
import { namespaceOfKey, objectKey, splitKey, type KubeObject } from "../../kube/objects.js";
import type { RestClient } from "../../kube/rest-client.js";
import type { HandlerResult } from "../../kube/work-queue.js";
import { BaseNameIndex, dependentsOf } from "../../profile/dependents.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import { NODE_STATUSES, PROFILES } from "../controller-caches.js";
import type { EventRecorder } from "../event-recorder.js";
import { setFinalizer } from "../finalizers.js";
import { changedKeys } from "../nodes/node-aggregation.js";
import type { NodeLiveness } from "../nodes/node-liveness.js";
import type { UsageIndex } from "../workloads/usage-index.js";
import { workloadFindings } from "../workloads/workload-uses.js";
import { gateState, type ProfileGate } from "./profile-gate.js";
import type { ReadinessIndex } from "./readiness-index.js";
import type { ProfileHashes } from "./profile-hashes.js";
import type { ProfileRevisions } from "./profile-revisions.js";
import { START_FAILURE_RULES, startFailureFindings } from "./start-failure-findings.js";
import type { StartFailureIndex } from "./start-failure-index.js";
import { computeStatus } from "./status-computation.js";

export interface ProfileReconcilerSetup {
  catalogueNamespace: string;
  gate: ProfileGate;
  /** Expected hashes of every profile, to read the nodes' digests (shared with the gate). */
  hashes: ProfileHashes;
  revisions: ProfileRevisions;
  usage: UsageIndex;
  readiness: ReadinessIndex;
  liveness: NodeLiveness;
  startFailures: StartFailureIndex;
  events: EventRecorder;
}

/**
 * When a profile is queued (`namespace/name`), all of it:
 * - the profile changes, or one of its bases (descendants render differently);
 * - a node agent's status appears or goes (every profile), or changes what it reports for some;
 * - its users change: workloads naming it, pods using its files, hashes templates pin;
 * - a node agent goes silent or comes back (every profile);
 * - this replica starts leading (every profile, once); a reconcile may ask again after a delay.
 */
export function setupProfileReconciler(manager: Manager, setup: ProfileReconcilerSetup): void {
  const profiles = manager.cache(PROFILES);
  const nodeStatuses = manager.cache(NODE_STATUSES);
  const { hashes } = setup;
  const reconciler = new ProfileReconciler({
    client: manager.client,
    profiles,
    gate: setup.gate,
    hashes,
    revisions: setup.revisions,
    usage: setup.usage,
    startFailures: setup.startFailures,
    readiness: setup.readiness,
    events: setup.events,
    logger: manager.logger,
  });
  const all = () => profiles.list().map(objectKey);
  const queue = manager.reconciler({ name: "profiles", leaderOnly: true, reconcile: (key, signal) => reconciler.reconcile(key, signal), initialKeys: all, groupOf: namespaceOfKey });
  const bases = new BaseNameIndex<SeccompProfile>();
  profiles.addHandler({ onAdd: (p) => bases.update(undefined, p), onUpdate: (o, p) => bases.update(o, p), onDelete: (p) => bases.update(p, undefined) });
  manager.watch(profiles, queue, ({ object }) => [objectKey(object), ...dependentsOf(object, (name) => bases.naming(name), setup.catalogueNamespace).map(objectKey)]);
  // A heartbeat alone changes nothing a profile shows; only changed entries are requeued.
  manager.watch(nodeStatuses, queue, ({ type, object, old }) => (type === "update" ? changedKeys(old!.status, object.status, (b) => hashes.inBucket(b)) : all()));
  manager.watchSignal(setup.usage.changed, queue, (keys) => keys);
  manager.watchSignal(setup.startFailures.changed, queue, (keys) => keys);
  manager.watchSignal(setup.liveness.changed, queue, all);
}

export interface ProfileReconcilerOptions {
  client: RestClient;
  profiles: Informer<SeccompProfile>;
  /** Compiles and aggregates the nodes' reports: the same answer workloads and admission get. */
  gate: ProfileGate;
  /** Expected hashes of every profile, to read the nodes' digests. */
  hashes: ProfileHashes;
  revisions: ProfileRevisions;
  usage: UsageIndex;
  startFailures: StartFailureIndex;
  readiness: ReadinessIndex;
  events: EventRecorder;
  logger: Logger;
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
      this.o.readiness.set(key, undefined);
      return;
    }
    const target = { apiVersion: API_VERSION, kind: PROFILE_KIND, namespace, name, ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}) };
    const compiled = this.o.gate.compile(object);
    const hash = compiled.ok ? compiled.value.rendered.hash : undefined;
    this.o.hashes.remember(object, hash);
    // Rendered again only when needed: the gate keeps hashes, not bytes.
    const rendered = () => this.o.gate.render(object);
    // Kept before any workload can pin the hash: a node that joins later installs it from there.
    if (compiled.ok) await this.o.revisions.ensure(namespace, hash!, () => rendered()?.json, signal);
    const nodes = this.o.gate.nodes(key, hash);
    const users = this.o.usage.usersOf(namespace, name);
    const holders = this.o.usage.holdersOf(key).filter((h) => !users.some((u) => u.workload === h));
    const deleting = object.metadata?.deletionTimestamp !== undefined;
    const failures = this.o.startFailures.failuresOf(key);
    const blockedBy = [...users.map((u) => `${u.kind} ${u.namespace}/${u.name}`), ...holders.map((h) => h.replace("/", " "))];

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
        workloadFindings: workloadFindings(users),
        failureFindings: failures.length === 0 ? [] : startFailureFindings(failures, compiled.ok ? rendered() : undefined),
        ...(deleting ? { deletion: { blockedBy } } : {}),
      },
      new Date(),
    );

    // What workloads may use: only a hash that every live node has (also while being deleted).
    this.o.readiness.set(key, gateState(key, compiled, nodes));

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

  private async writeStatus(object: SeccompProfile, status: ProfileStatus, signal: AbortSignal): Promise<void> {
    if (isDeepStrictEqual(object.status ?? {}, status)) return;
    const { namespace, name } = object.metadata ?? {};
    await this.o.client.apply(
      { ...PROFILE_RESOURCE, namespace: namespace!, name: name!, subresource: "status" },
      { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, status },
      { fieldManager: FIELD_MANAGER, force: true, signal },
    );
  }

  private setFinalizer(object: SeccompProfile, present: boolean, signal: AbortSignal): Promise<void> {
    return setFinalizer(this.o.client, { resource: PROFILE_RESOURCE, apiVersion: API_VERSION, kind: PROFILE_KIND, fieldManager: FIELD_MANAGER }, object as KubeObject, FINALIZER, present, signal);
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
    const failure = (f: Finding) => (START_FAILURE_RULES as readonly string[]).includes(f.rule);
    const known = new Set((before?.findings ?? []).filter(failure).map((f) => f.message));
    for (const f of after.findings ?? []) {
      if (failure(f) && !known.has(f.message)) this.o.events.warn(target, "ContainerStartFailed", f.hint === undefined ? f.message : `${f.message}; ${f.hint}`);
    }
  }
}
