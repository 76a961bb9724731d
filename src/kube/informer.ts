// List-then-watch cache of one resource, as client-go's reflector and
// informer: handlers see add/update/delete; the watch resumes from the last
// resourceVersion after a clean end, relists (diffing the cache, so handlers
// see what changed while nothing was watched) after 410 Gone, and restarts
// with backoff after any error or when a watchdog finds it silent. It never
// gives up: a controller outlives API server restarts.
import { isGone } from "./api-error.js";
import { Backoff, sleep, type BackoffOptions } from "./backoff.js";
import { createLogger, errorMessage, type Logger } from "./logger.js";
import { objectKey, type KubeObject } from "./objects.js";
import type { Resource } from "./resource.js";
import type { RestClient, WatchEvent } from "./rest-client.js";
import { shareStrings } from "./shared-strings.js";

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** On a change of resourceVersion; on a periodic resync with `oldObj === newObj`. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** With the last state the cache held (as the transform shrank it). */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  resource: Resource;
  /** Only this namespace; all namespaces (or a cluster-scoped resource) when omitted. */
  namespace?: string;
  labelSelector?: string;
  /** e.g. `spec.nodeName=node-1`. */
  fieldSelector?: string;
  /** Page size of the list; default 500. */
  pageSize?: number;
  /** Restart the watch when nothing, not even a bookmark (the API server sends one every minute or two on a quiet watch), arrived for this long; default 5 min. */
  watchdogMs?: number;
  /** Re-emit every cached object as an update this often; 0 (default) for never. */
  resyncPeriodMs?: number;
  /** The server ends each watch after a random 5 to 10 minutes by default, as client-go asks. */
  watchTimeoutSeconds?: number;
  /** Delays between failed attempts; default 200 ms doubling to 30 s, with jitter. */
  backoff?: BackoffOptions;
  logger?: Logger;
  /**
   * Shrinks each object before it is cached (e.g. drops managedFields), as client-go's
   * transform does: the cache holds every object of the resource for the process's life.
   * Its result's strings are then shared (kube/shared-strings.ts), so it must be a new object
   * or the one parsed for the cache, never one held elsewhere.
   */
  transform?: (obj: T) => T;
}

export interface InformerStats {
  objects: number;
  lists: number;
  watches: number;
  /** Relists forced by 410 Gone. */
  relists: number;
  events: number;
  errors: number;
  watchdogRestarts: number;
  resyncs: number;
  /** Epoch ms of the last list, event or bookmark; 0 before any. */
  lastContactAt: number;
  /** Milliseconds since then by the monotonic clock (a wall-clock step does not change it); undefined before any. */
  silentForMs: number | undefined;
}

export const DEFAULT_INFORMER_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000, jitter: 0.2 };

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly stopController = new AbortController();
  private readonly syncWaiters = new Set<() => void>();
  private resourceVersion = "";
  private synced = false;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly counters = { lists: 0, watches: 0, relists: 0, events: 0, errors: 0, watchdogRestarts: 0, resyncs: 0 };
  private lastContactAt = 0;
  private lastContactMonotonic: number | undefined;
  /** 410s since the last event; more than one means relisting did not help. */
  private expiredInARow = 0;

  constructor(
    private readonly client: RestClient,
    private readonly options: InformerOptions<T>,
  ) {
    this.logger = (options.logger ?? createLogger("informer")).child({ resource: describeResource(options) });
    this.backoff = new Backoff(options.backoff ?? DEFAULT_INFORMER_BACKOFF);
  }

  /** Registers handlers; objects already cached are delivered as adds. Returns an unregister function. */
  addHandler(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    for (const obj of this.cache.values()) this.call(handlers, "onAdd", obj);
    return () => this.handlers.delete(handlers);
  }

  /** Starts listing and watching in the background; idempotent. */
  start(): void {
    if (this.loop || this.stopController.signal.aborted) return;
    this.loop = this.run();
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
  }

  /** Stops the watch and every timer; the cache stays readable. */
  async stop(): Promise<void> {
    this.stopController.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const wake of this.syncWaiters) wake();
    await this.loop;
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false after `timeoutMs` or on stop. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.syncWaiters.delete(wake);
        resolve(this.synced);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.syncWaiters.add(wake);
    });
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** By `namespace/name` (or `name` for cluster-scoped objects). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** The resourceVersion the cache is at. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  stats(): InformerStats {
    const silentForMs = this.lastContactMonotonic === undefined ? undefined : performance.now() - this.lastContactMonotonic;
    return { objects: this.cache.size, ...this.counters, lastContactAt: this.lastContactAt, silentForMs };
  }

  private async run(): Promise<void> {
    const stopped = this.stopController.signal;
    let needList = true;
    while (!stopped.aborted) {
      try {
        if (needList) {
          await this.relist(this.expiredInARow === 0);
          needList = false;
        }
        const started = performance.now();
        const delivered = await this.watchOnce();
        // A watch the server ends at once, over and over, is not hammered.
        if (delivered === 0 && performance.now() - started < 1000) await sleep(this.backoff.next(), stopped);
      } catch (err) {
        if (stopped.aborted) break;
        this.counters.errors++;
        if (isGone(err)) {
          // Our resourceVersion is compacted away: only a fresh list tells what changed.
          this.logger.info("watch expired, relisting", { resourceVersion: this.resourceVersion, error: errorMessage(err) });
          this.counters.relists++;
          needList = true;
          // Expired again right after a relist, before any event: do not spin.
          if (++this.expiredInARow > 1) await sleep(this.backoff.next(), stopped);
          continue;
        }
        const delay = this.backoff.next();
        this.logger.warn(needList ? "list failed" : "watch failed", { error: errorMessage(err), retryInMs: delay });
        await sleep(delay, stopped);
      }
    }
  }

  /**
   * Lists everything and makes the cache (and the handlers) agree with it. As client-go's
   * reflector does, a list that may be a little old is served from the API server's watch cache
   * (resourceVersion 0), sparing etcd when every node's agent lists at once; after 410 Gone
   * the list must be current, and goes to etcd.
   */
  private async relist(fromCache: boolean): Promise<void> {
    const list = await this.client.listAll<T>(this.collection(), {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      limit: this.options.pageSize ?? 500,
      ...(fromCache ? { resourceVersion: "0" } : {}),
      signal: this.stopController.signal,
      // Each page shrinks as it arrives, before the next is read.
      transform: (obj) => this.shrink(obj),
    });
    this.counters.lists++;
    this.touch();
    this.backoff.reset();
    const fresh = new Map<string, T>();
    for (const obj of list.items) fresh.set(objectKey(obj), obj);
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emit("onDelete", old);
      }
    }
    const turn = new EventLoopTurn();
    for (const [key, obj] of fresh) {
      this.upsert(key, obj);
      // Handlers run for every object of a large list: let probes and timers in between.
      await turn.yieldIfLong();
    }
    this.resourceVersion = list.metadata.resourceVersion ?? "";
    if (!this.synced) {
      this.synced = true;
      this.logger.info("synced", { objects: this.cache.size, resourceVersion: this.resourceVersion });
      for (const wake of this.syncWaiters) wake();
    }
  }

  /** One watch from the cache's resourceVersion, until it ends; returns how many events it delivered. */
  private async watchOnce(): Promise<number> {
    const watchdogMs = this.options.watchdogMs ?? 5 * 60_000;
    const silence = new AbortController();
    // Also covers a stop() that came before this watch began.
    const signal = AbortSignal.any([this.stopController.signal, silence.signal]);
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => silence.abort(), watchdogMs);
    };
    let delivered = 0;
    const turn = new EventLoopTurn();
    try {
      arm();
      this.counters.watches++;
      const events = this.client.watch<T>(this.collection(), {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        timeoutSeconds: this.options.watchTimeoutSeconds ?? Math.round(300 * (1 + Math.random())),
        signal,
      });
      for await (const event of events) {
        arm();
        this.touch();
        this.handle(event);
        delivered++;
        this.backoff.reset();
        // One chunk of the stream can hold thousands of events (a namespace's profiles deleted at
        // once), read without waiting on I/O: health probes must not wait for all of them.
        await turn.yieldIfLong();
      }
    } finally {
      clearTimeout(watchdog);
    }
    if (silence.signal.aborted && !this.stopController.signal.aborted) {
      this.counters.watchdogRestarts++;
      this.logger.warn("watch silent, restarting", { silentForMs: watchdogMs, resourceVersion: this.resourceVersion });
    }
    return delivered;
  }

  private handle(event: WatchEvent<T>): void {
    const rv = event.object.metadata?.resourceVersion;
    this.expiredInARow = 0;
    switch (event.type) {
      case "BOOKMARK":
        break;
      case "ADDED":
      case "MODIFIED":
        this.counters.events++;
        this.upsert(objectKey(event.object), this.shrink(event.object));
        break;
      case "DELETED": {
        this.counters.events++;
        const key = objectKey(event.object);
        // The state handlers saw last, so that what they counted in they can count out.
        const last = this.cache.get(key) ?? this.shrink(event.object);
        this.cache.delete(key);
        this.emit("onDelete", last);
        break;
      }
      default:
        this.logger.warn("unknown watch event type", { type: (event as { type: string }).type });
    }
    if (rv) this.resourceVersion = rv;
  }

  /** What the cache keeps: the transform's result, its strings shared with every other cached object's. */
  private shrink(obj: T): T {
    return shareStrings(this.options.transform === undefined ? obj : this.options.transform(obj));
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.emit("onAdd", obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emitUpdate(old, obj);
  }

  private resync(): void {
    if (!this.synced) return;
    this.counters.resyncs++;
    for (const obj of this.cache.values()) this.emitUpdate(obj, obj);
  }

  private emit(kind: "onAdd" | "onDelete", obj: T): void {
    for (const h of this.handlers) this.call(h, kind, obj);
  }

  private emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.handlers) {
      try {
        h.onUpdate?.(oldObj, newObj);
      } catch (err) {
        this.logger.error("update handler failed", { key: objectKey(newObj), error: errorMessage(err) });
      }
    }
  }

  private call(h: InformerHandlers<T>, kind: "onAdd" | "onDelete", obj: T): void {
    try {
      h[kind]?.(obj);
    } catch (err) {
      // One faulty handler must not stop the cache or the other handlers.
      this.logger.error(`${kind === "onAdd" ? "add" : "delete"} handler failed`, { key: objectKey(obj), error: errorMessage(err) });
    }
  }

  private collection() {
    return { ...this.options.resource, namespace: this.options.namespace };
  }

  private touch(): void {
    this.lastContactAt = Date.now();
    this.lastContactMonotonic = performance.now();
  }
}

function describeResource(options: Pick<InformerOptions, "resource" | "namespace">): string {
  const { group, version, plural } = options.resource;
  const gvr = group ? `${plural}.${version}.${group}` : `${plural}.${version}`;
  return options.namespace ? `${gvr} in ${options.namespace}` : gvr;
}

/**
 * Gives the event loop a turn once the work since the last one took a few milliseconds: by time,
 * not by count, for one object can cost far more than another (a profile of 4,096 names to
 * shrink and share, its handlers), and /healthz must answer within 100 ms.
 */
class EventLoopTurn {
  private since = performance.now();

  async yieldIfLong(): Promise<void> {
    if (performance.now() - this.since < 10) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}
