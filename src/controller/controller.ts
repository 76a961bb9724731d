import { Gauge, Registry } from "prom-client";
import { FIELD_MANAGER } from "../api/names.js";
import { NODE_RESOURCE, NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../api/resources.js";
import { withoutManagedFields } from "../kube/objects.js";
import { podSeccompShape } from "../api/pod-seccomp.js";
import type { ClusterAccess } from "../kube/cluster-access.js";
import { startHealthServer, type HealthServer } from "../kube/health-server.js";
import { Informer } from "../kube/informer.js";
import { LeaderElector, type ElectionOutcome } from "../kube/leader-election.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import { registerInformerMetrics, registerQueueMetrics } from "../kube/metrics.js";
import { objectKey, type KubeObject } from "../kube/objects.js";
import { RestClient } from "../kube/rest-client.js";
import { WorkQueue } from "../kube/work-queue.js";
import { dependentsOf } from "../profile/dependents.js";
import { operatorVersion } from "../version.js";
import { EventRecorder } from "./event-recorder.js";
import { changedKeys } from "./nodes/node-aggregation.js";
import { ProfileReconciler, type NodeStatusObject, type ProfileObject } from "./profiles/profile-reconciler.js";
import { ReadinessIndex } from "./profiles/readiness-index.js";
import { UsageIndex } from "./workloads/usage-index.js";
import { podSpecOf, WORKLOAD_KINDS, WORKLOADS, type WorkloadKind } from "./workloads/workload-kinds.js";
import { localhostProfilesOf } from "../api/pod-seccomp.js";
import { WorkloadReconciler, workloadKey } from "./workloads/workload-reconciler.js";
import { usesOf, workloadFindings } from "./workloads/workload-uses.js";

export interface ControllerOptions {
  kubeConfig: ClusterAccess;
  logger: Logger;
  catalogueNamespace: string;
  /** This replica's name, for the Lease and for Events. */
  identity: string;
  /** Where the Lease lives; no leader election when undefined (a single replica). */
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** A node agent silent for this long no longer counts (default 90 s: three missed heartbeats). */
  staleAfterMs?: number;
  workers?: number;
  healthHost?: string;
  healthPort: number;
  resyncMs?: number;
  /** Called when leadership is lost: the process must exit so a fresh one campaigns again. */
  onLostLeadership?: () => void;
}

/** What the controller keeps of a workload: our own field ownership, not everyone's. */
function workloadShape(obj: KubeObject): KubeObject {
  const managed = obj.metadata?.managedFields?.filter((m) => m.manager === FIELD_MANAGER);
  return { ...obj, metadata: { ...obj.metadata, managedFields: managed } } as KubeObject;
}

/**
 * The controller: profile status and finalizers, node aggregation, and the workloads that use
 * profiles. Every replica keeps its caches warm; only the leader runs the reconcilers.
 */
export class Controller {
  private readonly client: RestClient;
  private readonly profiles: Informer<ProfileObject>;
  private readonly nodeStatuses: Informer<NodeStatusObject>;
  private readonly pods: Informer<KubeObject>;
  private readonly nodes: Informer<KubeObject>;
  private readonly workloads = new Map<WorkloadKind, Informer<KubeObject>>();
  private readonly profileQueue: WorkQueue;
  private readonly workloadQueue: WorkQueue;
  private readonly usage: UsageIndex;
  private readonly readiness: ReadinessIndex;
  private readonly registry = new Registry();
  private health: HealthServer | undefined;
  private elector: LeaderElector | undefined;
  private election: Promise<ElectionOutcome> | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private liveNodes = "";
  /** Per node: the last heartbeat value seen and when, by this process's clock. */
  private readonly heartbeats = new Map<string, { value: string | undefined; at: number }>();
  private synced = false;
  private leading = false;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    const { logger } = options;
    this.client = new RestClient(options.kubeConfig, { userAgent: `seccomp-operator-controller/${operatorVersion()}` });
    const common = { logger, resyncPeriodMs: options.resyncMs ?? 10 * 60_000 };
    this.profiles = new Informer<ProfileObject>(this.client, { ...common, resource: PROFILE_RESOURCE, transform: withoutManagedFields });
    this.nodeStatuses = new Informer<NodeStatusObject>(this.client, { ...common, resource: NODE_STATUS_RESOURCE, transform: withoutManagedFields });
    // Pods matter only for the files they use; the rest of each pod is dropped on arrival.
    this.pods = new Informer<KubeObject>(this.client, { ...common, resource: POD_RESOURCE, transform: podSeccompShape, resyncPeriodMs: 0 });
    // Only node names matter: to tell a silent agent on a live node from one whose node is gone.
    this.nodes = new Informer<KubeObject>(this.client, { ...common, resource: NODE_RESOURCE, transform: (n) => ({ metadata: { name: n.metadata?.name, resourceVersion: n.metadata?.resourceVersion } }), resyncPeriodMs: 0 });
    for (const kind of WORKLOAD_KINDS) {
      this.workloads.set(kind, new Informer<KubeObject>(this.client, { ...common, resource: WORKLOADS[kind].resource, transform: workloadShape }));
    }
    this.profileQueue = new WorkQueue({ name: "profiles", logger });
    this.workloadQueue = new WorkQueue({ name: "workloads", logger });
    this.readiness = new ReadinessIndex(options.catalogueNamespace, (ns, name) => this.profiles.get(`${ns}/${name}`) !== undefined);
    this.usage = new UsageIndex(options.catalogueNamespace, (ns, name) => this.profiles.get(`${ns}/${name}`) !== undefined);
    registerQueueMetrics({ profiles: this.profileQueue, workloads: this.workloadQueue }, this.registry);
    registerInformerMetrics({ profiles: this.profiles, nodestatuses: this.nodeStatuses, pods: this.pods, ...Object.fromEntries(this.workloads) }, this.registry);
    const leading = () => this.leading;
    new Gauge({
      name: "seccomp_controller_leader",
      help: "1 while this replica leads.",
      registers: [this.registry],
      collect() {
        this.set(leading() ? 1 : 0);
      },
    });
  }

  get healthPort(): number {
    return this.health?.port ?? 0;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    this.health = await startHealthServer({
      host: this.options.healthHost ?? "0.0.0.0",
      port: this.options.healthPort,
      registry: this.registry,
      logger: this.options.logger,
      readyz: { synced: () => this.synced || "caches not synced yet" },
    });
    this.wire();
    const informers = this.informers();
    for (const informer of informers) informer.start();
    const synced = await Promise.all(informers.map((i) => i.waitForSync(5 * 60_000)));
    if (synced.includes(false)) throw new Error("caches did not sync in 5 minutes");
    this.synced = true;
    this.options.logger.info("caches synced", { profiles: this.profiles.list().length, nodes: this.nodeStatuses.list().length });

    if (this.options.leaseNamespace === undefined) {
      this.lead();
      return;
    }
    this.elector = new LeaderElector({
      client: this.client,
      namespace: this.options.leaseNamespace,
      name: this.options.leaseName ?? "seccomp-operator-controller",
      identity: this.options.identity,
      ...(this.options.leaseDurationMs ? { leaseDurationMs: this.options.leaseDurationMs } : {}),
      ...(this.options.renewDeadlineMs ? { renewDeadlineMs: this.options.renewDeadlineMs } : {}),
      ...(this.options.retryPeriodMs ? { retryPeriodMs: this.options.retryPeriodMs } : {}),
      logger: this.options.logger,
      onStartedLeading: async (signal) => {
        this.lead();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
      onStoppedLeading: () => {
        this.leading = false;
      },
    });
    this.election = this.elector.run();
    void this.election.then((outcome) => {
      if (outcome === "lost") {
        this.options.logger.error("leadership lost, stopping so that a fresh process campaigns again");
        this.options.onLostLeadership?.();
      }
    });
  }

  private informers(): Informer<KubeObject>[] {
    return [this.profiles, this.nodeStatuses, this.pods, this.nodes, ...this.workloads.values()] as Informer<KubeObject>[];
  }

  /** Starts the reconcilers: every known object is queued once, then events keep it current. */
  private lead(): void {
    const { logger } = this.options;
    this.leading = true;
    logger.info("leading: reconciling", { identity: this.options.identity });
    const events = new EventRecorder(this.client, { controller: "seccomp.operator.dev/controller", instance: this.options.identity, logger });
    const profileReconciler = new ProfileReconciler({
      client: this.client,
      profiles: this.profiles,
      nodeStatuses: this.nodeStatuses,
      usage: this.usage,
      readiness: this.readiness,
      events,
      catalogueNamespace: this.options.catalogueNamespace,
      staleAfterMs: this.options.staleAfterMs ?? 90_000,
      heartbeatSeenAt: (node) => this.heartbeats.get(node)?.at,
      logger,
      workloadFindings: (ns, name) => workloadFindings(this.usage.usersOf(ns, name)),
      onReadinessChange: (_ns, name) => this.enqueueWorkloadsNaming(name),
    });
    const workloadReconciler = new WorkloadReconciler({
      client: this.client,
      caches: Object.fromEntries(this.workloads),
      readiness: (ns, name) => this.readiness.resolve(ns, name),
      events,
      logger,
    });
    const workers = this.options.workers ?? 4;
    this.workers = [
      this.profileQueue.run(workers, (key, signal) => profileReconciler.reconcile(key, signal)),
      this.workloadQueue.run(workers, async (key, signal) => {
        await workloadReconciler.reconcileKey(key, signal);
      }),
    ];
    for (const p of this.profiles.list()) this.profileQueue.add(objectKey(p));
    for (const [kind, informer] of this.workloads) for (const w of informer.list()) this.enqueueWorkload(kind, w);
    this.livenessTimer = setInterval(() => this.checkLiveness(), 10_000);
    this.livenessTimer.unref();
  }

  private wire(): void {
    const profileEvent = (p: ProfileObject) => {
      const key = objectKey(p);
      this.profileQueue.add(key);
      // Descendants re-render when a base changes; workloads re-resolve when a name appears or goes.
      for (const child of dependentsOf(p, this.profiles.list(), this.options.catalogueNamespace)) this.profileQueue.add(objectKey(child));
      const name = p.metadata?.name;
      if (name !== undefined) this.enqueueWorkloadsNaming(name);
    };
    this.profiles.addHandler({ onAdd: profileEvent, onUpdate: (_o, n) => profileEvent(n), onDelete: profileEvent });

    const beat = (n: NodeStatusObject) => {
      const node = n.metadata?.name ?? "";
      const value = n.status?.heartbeatTime;
      if (this.heartbeats.get(node)?.value !== value) this.heartbeats.set(node, { value, at: Date.now() });
    };
    this.nodeStatuses.addHandler({
      onAdd: (n) => {
        beat(n);
        this.enqueueAllProfiles();
      },
      onDelete: (n) => {
        this.heartbeats.delete(n.metadata?.name ?? "");
        this.enqueueAllProfiles();
      },
      // A heartbeat alone changes nothing a profile shows; only changed entries are requeued.
      onUpdate: (before, after) => {
        beat(after);
        for (const key of changedKeys(before.status, after.status)) this.profileQueue.add(key);
      },
    });

    const podEvent = (pod: KubeObject, gone: boolean) => {
      for (const key of this.usage.setPod(objectKey(pod), gone ? undefined : pod)) this.profileQueue.add(key);
    };
    this.pods.addHandler({ onAdd: (p) => podEvent(p, false), onUpdate: (_o, p) => podEvent(p, false), onDelete: (p) => podEvent(p, true) });

    for (const [kind, informer] of this.workloads) {
      const event = (w: KubeObject, gone: boolean) => {
        const key = workloadKey(kind, w.metadata?.namespace ?? "", w.metadata?.name ?? "");
        const uses = gone ? [] : usesOf(kind, w);
        const names = this.usage.setWorkload(key, uses);
        for (const name of names) {
          this.profileQueue.add(`${w.metadata?.namespace}/${name}`);
          this.profileQueue.add(`${this.options.catalogueNamespace}/${name}`);
        }
        // The pinned paths its template names must stay on the nodes while it does.
        const template = gone ? [] : localhostProfilesOf({ spec: podSpecOf(kind, w) });
        for (const profile of this.usage.setPinned(key, template)) this.profileQueue.add(profile);
        if (!gone) this.enqueueWorkload(kind, w, uses);
      };
      informer.addHandler({ onAdd: (w) => event(w, false), onUpdate: (_o, w) => event(w, false), onDelete: (w) => event(w, true) });
    }
  }

  private enqueueWorkload(kind: WorkloadKind, w: KubeObject, uses = usesOf(kind, w)): void {
    // Only workloads that ask for a profile, or still carry our fields, need a reconcile.
    const ours = (w.metadata?.managedFields?.length ?? 0) > 0;
    if (!ours && uses.length === 0) return;
    this.workloadQueue.add(workloadKey(kind, w.metadata?.namespace ?? "", w.metadata?.name ?? ""));
  }

  private enqueueWorkloadsNaming(name: string): void {
    for (const key of this.usage.workloadsNaming(name)) this.workloadQueue.add(key);
  }

  private enqueueAllProfiles(): void {
    for (const p of this.profiles.list()) this.profileQueue.add(objectKey(p));
  }

  /** A node whose agent goes silent (or comes back) changes every profile's count. */
  private checkLiveness(): void {
    const staleAfter = this.options.staleAfterMs ?? 90_000;
    const now = Date.now();
    const live = this.nodeStatuses
      .list()
      .filter((n) => now - (this.heartbeats.get(n.metadata?.name ?? "")?.at ?? 0) < staleAfter)
      .map((n) => n.metadata?.name)
      .sort()
      .join(",");
    if (live !== this.liveNodes) {
      this.liveNodes = live;
      this.enqueueAllProfiles();
    }
    this.forgetRemovedNodes(now, staleAfter);
  }

  /**
   * Deletes the SeccompNodeStatus of a node that no longer exists once its agent is silent too,
   * so removed nodes do not pile up in every profile's status. The uid precondition keeps a
   * status that a new agent of a same-named node has just recreated.
   */
  private forgetRemovedNodes(now: number, staleAfter: number): void {
    for (const status of this.nodeStatuses.list()) {
      const name = status.metadata?.name ?? "";
      if (this.nodes.get(name) !== undefined) continue;
      if (now - (this.heartbeats.get(name)?.at ?? 0) < staleAfter) continue;
      const uid = status.metadata?.uid;
      this.client
        .delete({ ...NODE_STATUS_RESOURCE, name }, uid === undefined ? {} : { preconditions: { uid } })
        .then(() => this.options.logger.info("removed the status of a node that no longer exists", { node: name }))
        .catch((error: unknown) => this.options.logger.warn("cannot remove the status of a removed node", { node: name, error: errorMessage(error) }));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.livenessTimer);
    await Promise.all([this.profileQueue.shutdown(), this.workloadQueue.shutdown()]);
    await Promise.all(this.workers);
    await this.elector?.stop();
    await Promise.all(this.informers().map((i) => i.stop()));
    await this.health?.close();
  }
}
