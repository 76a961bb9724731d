// The runtime both daemons run on, in the spirit of controller-runtime's manager: one REST
// client, one shared informer per watched resource (each with its metrics), the work queues,
// /healthz, /readyz (ready once every cache synced, plus what components add), /metrics (on its
// own port, for authorized callers unless turned off),
// leader election and an orderly stop. Reconcilers and other components plug in through their
// setup functions, which declare what they watch and how an event maps to queue keys; whether
// they run on every replica or only on the leader is declared when they register.
import { collectDefaultMetrics, Registry } from "prom-client";
import type { ClusterAccess } from "./cluster-access.js";
import { startHealthServer, type Check, type HealthServer } from "./health-server.js";
import { Informer, type InformerOptions } from "./informer.js";
import { LeaderElector, type ElectionOutcome } from "./leader-election.js";
import { MetricsAccess } from "./metrics-access.js";
import { startMetricsServer, type MetricsServer } from "./metrics-server.js";
import type { KeyPairPem } from "./x509-certificates.js";
import type { Logger } from "./logger.js";
import { registerInformerMetrics, registerQueueMetrics } from "./metrics.js";
import type { KubeObject } from "./objects.js";
import { RestClient } from "./rest-client.js";
import { WorkQueue, type KeyHandler } from "./work-queue.js";

/** A cache the manager shares: every component asking for the same name gets the same informer. */
export interface CacheSpec<T extends KubeObject = KubeObject> extends Omit<InformerOptions<T>, "logger" | "resyncPeriodMs" | "watchdogMs"> {
  /** The informer's name in the `informer_*` metrics, and the key it is shared by. */
  name: string;
  /** Default: the manager's resync period. */
  resyncPeriodMs?: number;
}

/** Something that runs once the caches synced: on every replica, or only while this one leads. */
export interface Runnable {
  name: string;
  /** Started when leadership is acquired (and never on a replica that does not lead). */
  leaderOnly: boolean;
  /** May return once started; the manager awaits it before starting the next. */
  start(signal: AbortSignal): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** A reconciler: a named work queue, its handler, and when it runs. */
export interface ReconcilerSpec {
  /** The queue's name in the `workqueue_*` metrics. */
  name: string;
  leaderOnly: boolean;
  reconcile: KeyHandler;
  /** Default: the manager's `workers`. */
  workers?: number;
  /** Keys of one group (e.g. a namespace) take turns with other groups' keys; see WorkQueueOptions. */
  groupOf?: (key: string) => string;
  /** Keys queued when the reconciler starts (every object it owns, once); events keep them current. */
  initialKeys?: () => Iterable<string>;
}

/** How an informer event maps to keys: `old` only on updates. */
export interface WatchEvent<T> {
  type: "add" | "update" | "delete";
  object: T;
  old?: T;
}

/** An in-memory event source (as controller-runtime's channel source): an index announcing a change. */
export class Signal<T> {
  private readonly listeners = new Set<(value: T) => void>();
  subscribe(listener: (value: T) => void): void {
    this.listeners.add(listener);
  }
  emit(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface MetricsServing {
  host?: string;
  /** 0 for any free port. */
  port: number;
  /** "kubernetes": HTTPS, TokenReview and SubjectAccessReview; "none": plain HTTP, open. */
  auth: "kubernetes" | "none";
  /** Default: self-signed at start. */
  certificate?: KeyPairPem;
}

export interface ManagerOptions {
  /** `controller` or `agent`: the user agent's name. */
  component: string;
  version: string;
  kubeConfig: ClusterAccess;
  logger: Logger;
  /** This replica's name, for the Lease. */
  identity: string;
  healthHost?: string;
  /** 0 for any free port. */
  healthPort: number;
  metrics: MetricsServing;
  /** Default 4. */
  workers?: number;
  /** Re-emit every cached object this often (default 10 min); a cache spec may override it. */
  resyncMs?: number;
  watchdogMs?: number;
  /** Leader-only components wait for a Lease; without one, this replica leads as soon as caches synced. */
  leaderElection?: LeaderElectionConfig;
  /** Called when leadership is lost: the process must exit so a fresh one campaigns again. */
  onLostLeadership?: () => void;
  /** Default 5 min. */
  syncTimeoutMs?: number;
}

export class Manager {
  readonly client: RestClient;
  readonly registry = new Registry();
  readonly logger: Logger;
  private readonly caches = new Map<string, { spec: CacheSpec<never>; informer: Informer<KubeObject> }>();
  private readonly queues = new Map<string, WorkQueue>();
  private readonly runnables: Runnable[] = [];
  private readonly started: Runnable[] = [];
  private readonly workers: Promise<void>[] = [];
  private readonly readyChecks: Record<string, Check> = {};
  private readonly healthChecks: Record<string, Check> = {};
  private readonly stopping = new AbortController();
  private health: HealthServer | undefined;
  private metrics: MetricsServer | undefined;
  private elector: LeaderElector | undefined;
  private synced = false;
  private leading = false;

  constructor(private readonly options: ManagerOptions) {
    this.logger = options.logger;
    this.client = new RestClient(options.kubeConfig, { userAgent: `seccomp-operator-${options.component}/${options.version}` });
    this.readyChecks["caches-synced"] = () => this.synced || "caches not synced yet";
    // The process's own figures (resident memory, heap, CPU, and the event loop's delay since the
    // last scrape, in 10 ms steps): what tells a tenant's costly input from a slow machine.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** The shared informer of `spec.name`, created on first request; it starts with the manager. */
  cache<T extends KubeObject>(spec: CacheSpec<T>): Informer<T> {
    const known = this.caches.get(spec.name);
    if (known !== undefined) {
      const same = known.spec.resource === spec.resource && known.spec.namespace === spec.namespace && known.spec.fieldSelector === spec.fieldSelector && known.spec.labelSelector === spec.labelSelector;
      if (!same) throw new Error(`cache ${spec.name} is already registered with another resource or selector`);
      return known.informer as unknown as Informer<T>;
    }
    if (this.synced) throw new Error(`cache ${spec.name} registered after the manager started`);
    const { name, ...informerOptions } = spec;
    const informer = new Informer<T>(this.client, {
      logger: this.logger,
      resyncPeriodMs: this.options.resyncMs ?? 10 * 60_000,
      ...(this.options.watchdogMs ? { watchdogMs: this.options.watchdogMs } : {}),
      ...informerOptions,
    });
    this.caches.set(name, { spec: spec as unknown as CacheSpec<never>, informer: informer as unknown as Informer<KubeObject> });
    registerInformerMetrics({ [name]: informer }, this.registry);
    return informer;
  }

  /** Every cache, e.g. for a liveness check. */
  informers(): Informer<KubeObject>[] {
    return [...this.caches.values()].map((c) => c.informer);
  }

  /** Registers a reconciler; returns its queue, for the watches that feed it. */
  reconciler(spec: ReconcilerSpec): WorkQueue {
    if (this.queues.has(spec.name)) throw new Error(`reconciler ${spec.name} is already registered`);
    const queue = new WorkQueue({ name: spec.name, logger: this.logger, ...(spec.groupOf === undefined ? {} : { groupOf: spec.groupOf }) });
    this.queues.set(spec.name, queue);
    registerQueueMetrics({ [spec.name]: queue }, this.registry);
    this.add({
      name: spec.name,
      leaderOnly: spec.leaderOnly,
      start: () => {
        this.workers.push(queue.run(spec.workers ?? this.options.workers ?? 4, spec.reconcile));
        for (const key of spec.initialKeys?.() ?? []) queue.add(key);
      },
    });
    return queue;
  }

  /** Queues the keys each event of `informer` maps to. */
  watch<T extends KubeObject>(informer: Informer<T>, queue: WorkQueue, toKeys: (event: WatchEvent<T>) => Iterable<string>): void {
    const enqueue = (event: WatchEvent<T>) => {
      for (const key of toKeys(event)) queue.add(key);
    };
    informer.addHandler({
      onAdd: (object) => enqueue({ type: "add", object }),
      onUpdate: (old, object) => enqueue({ type: "update", object, old }),
      onDelete: (object) => enqueue({ type: "delete", object }),
    });
  }

  /** Queues the keys each value of an in-memory source maps to. */
  watchSignal<T>(signal: Signal<T>, queue: WorkQueue, toKeys: (value: T) => Iterable<string>): void {
    signal.subscribe((value) => {
      for (const key of toKeys(value)) queue.add(key);
    });
  }

  add(runnable: Runnable): void {
    this.runnables.push(runnable);
  }

  addReadyCheck(name: string, check: Check): void {
    this.readyChecks[name] = check;
  }

  addHealthCheck(name: string, check: Check): void {
    this.healthChecks[name] = check;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The health server's port (useful when started with port 0). */
  get healthPort(): number {
    return this.health?.port ?? 0;
  }

  /** The metrics server's port (useful when started with port 0). */
  get metricsPort(): number {
    return this.metrics?.port ?? 0;
  }

  /**
   * Serves health and metrics, starts every cache and waits for them to sync, starts the every-replica
   * components, then campaigns (or leads at once) for the leader-only ones.
   */
  async start(): Promise<void> {
    this.health = await startHealthServer({
      host: this.options.healthHost ?? "0.0.0.0",
      port: this.options.healthPort,
      logger: this.logger,
      healthz: this.healthChecks,
      readyz: this.readyChecks,
    });
    const metrics = this.options.metrics;
    this.metrics = await startMetricsServer({
      host: metrics.host ?? "0.0.0.0",
      port: metrics.port,
      registry: this.registry,
      logger: this.logger,
      access: metrics.auth === "none" ? "none" : new MetricsAccess({ client: this.client }),
      ...(metrics.certificate === undefined ? {} : { certificate: metrics.certificate }),
    });
    const informers = this.informers();
    for (const informer of informers) informer.start();
    const timeout = this.options.syncTimeoutMs ?? 5 * 60_000;
    const synced = await Promise.all(informers.map((i) => i.waitForSync(timeout)));
    if (synced.includes(false)) throw new Error(`caches did not sync in ${Math.round(timeout / 60_000)} minutes`);
    this.synced = true;
    this.logger.info("caches synced", Object.fromEntries([...this.caches].map(([name, c]) => [name, c.informer.list().length])));
    await this.startAll(false);

    if (!this.runnables.some((r) => r.leaderOnly)) return;
    const election = this.options.leaderElection;
    if (election === undefined) {
      this.leading = true;
      await this.startAll(true);
      return;
    }
    this.elector = new LeaderElector({
      client: this.client,
      namespace: election.namespace,
      name: election.name,
      identity: this.options.identity,
      ...(election.leaseDurationMs ? { leaseDurationMs: election.leaseDurationMs } : {}),
      ...(election.renewDeadlineMs ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
      ...(election.retryPeriodMs ? { retryPeriodMs: election.retryPeriodMs } : {}),
      logger: this.logger,
      onStartedLeading: async (signal) => {
        this.leading = true;
        await this.startAll(true);
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      },
      onStoppedLeading: () => {
        this.leading = false;
      },
    });
    const outcome: Promise<ElectionOutcome> = this.elector.run();
    void outcome.then((result) => {
      if (result === "lost") {
        this.logger.error("leadership lost, stopping so that a fresh process campaigns again");
        this.options.onLostLeadership?.();
      }
    });
  }

  private async startAll(leaderOnly: boolean): Promise<void> {
    if (leaderOnly) this.logger.info("leading: reconciling", { identity: this.options.identity });
    for (const runnable of this.runnables.filter((r) => r.leaderOnly === leaderOnly)) {
      if (this.stopping.signal.aborted) return;
      this.started.push(runnable);
      await runnable.start(this.stopping.signal);
    }
  }

  /** Queues first (workers finish their current key), then components, the Lease, caches and the servers. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.queues.values()].map((q) => q.shutdown()));
    await Promise.all(this.workers);
    for (const runnable of this.started.reverse()) await runnable.stop?.();
    await this.elector?.stop();
    await Promise.all(this.informers().map((i) => i.stop()));
    await this.metrics?.close();
    await this.health?.close();
  }
}
