// A keyed, rate-limited work queue with client-go's guarantees, which make
// level-triggered reconcilers correct and cheap: a key is queued at most once
// however many events name it; no two workers ever process the same key at
// once (a key added while it is being processed is processed again after);
// a failing key is retried with its own exponential backoff while other keys
// go on.
import { KeyedBackoff, type BackoffOptions } from "./backoff.js";
import { createLogger, errorMessage, type Logger } from "./logger.js";

/** What a handler may ask for: to see the key again after some time even if nothing changes. */
export type HandlerResult = void | { requeueAfter?: number };

/** Reconciles one key; `signal` aborts when the queue shuts down. A throw means "retry with backoff". */
export type KeyHandler = (key: string, signal: AbortSignal) => Promise<HandlerResult>;

export interface WorkQueueOptions {
  /** For logs and metrics. */
  name?: string;
  /** Per-key retry delays; default 100 ms doubling up to 5 min. */
  backoff?: BackoffOptions;
  logger?: Logger;
  /**
   * The group of a key (e.g. its namespace): waiting keys are taken from one group after
   * another, so a group with thousands of keys queued delays another's by one key per turn,
   * not by all of its own.
   */
  groupOf?: (key: string) => string;
}

export interface WorkQueueStats {
  /** Keys waiting for a worker. */
  depth: number;
  /** Keys being processed now. */
  processing: number;
  /** Keys waiting for their delay (addAfter, addRateLimited) to pass. */
  delayed: number;
  /** Totals since the queue was made. */
  adds: number;
  retries: number;
  failures: number;
  completed: number;
}

export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5 * 60_000 };

export class WorkQueue {
  readonly name: string;
  /** Waiting keys per group, and the groups with waiting keys in turn order. */
  private readonly groups = new Map<string, string[]>();
  private readonly turns: string[] = [];
  private waiting = 0;
  private readonly groupOf: (key: string) => string;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** `at` by the monotonic clock, as the timers run: a step of the wall clock must not reorder delays. */
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly turnWaiters: Array<() => void> = [];
  private turnScheduled = false;
  private readonly backoff: KeyedBackoff;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private state: "running" | "draining" | "stopped" = "running";
  private workers: Promise<void> | undefined;
  private readonly totals = { adds: 0, retries: 0, failures: 0, completed: 0 };

  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? "queue";
    this.backoff = new KeyedBackoff(options.backoff ?? DEFAULT_QUEUE_BACKOFF);
    this.logger = options.logger ?? createLogger("work-queue");
    this.groupOf = options.groupOf ?? (() => "");
  }

  /** Queues `key` unless it is already queued; ignored once shutting down. */
  add(key: string): void {
    if (this.state !== "running") return;
    this.totals.adds++;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    // It goes back into the queue when its current processing ends (done).
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Queues `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.state !== "running") return;
    if (ms <= 0) return this.add(key);
    const at = performance.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Queues `key` after its backoff delay, which doubles with every call until forget(key). Returns the delay. */
  addRateLimited(key: string): number {
    const delay = this.backoff.when(key);
    this.totals.retries++;
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (it succeeded). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Rate-limited re-adds of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.retries(key);
  }

  /** Keys waiting for a worker. */
  len(): number {
    return this.waiting;
  }

  get shuttingDown(): boolean {
    return this.state !== "running";
  }

  stats(): WorkQueueStats {
    return {
      depth: this.waiting,
      processing: this.processing.size,
      delayed: this.delayed.size,
      ...this.totals,
    };
  }

  /**
   * The next key to process, marked as being processed until done(key);
   * `undefined` once the queue shuts down (after the queued keys when draining).
   */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined || this.state === "stopped" || (this.state === "draining" && this.waiting === 0)) {
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the processing of `key`; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.enqueue(key);
    else if (this.state === "draining" && this.waiting === 0) this.wakeAll();
  }

  /**
   * Processes keys with at most `workers` handlers running at once until the
   * queue shuts down; resolves when every worker has stopped. A handler that
   * throws has its key retried with backoff; one that returns has its backoff
   * reset (and its key re-queued after `requeueAfter` ms if it asks).
   */
  run(workers: number, handler: KeyHandler): Promise<void> {
    if (this.workers) throw new Error(`work queue ${this.name} is already running`);
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
    const loops = Array.from({ length: workers }, () => this.work(handler));
    this.workers = Promise.all(loops).then(() => undefined);
    return this.workers;
  }

  /** Stops now: queued and delayed keys are dropped, workers finish their current key. */
  async shutdown(): Promise<void> {
    this.stopAccepting();
    this.state = "stopped";
    this.groups.clear();
    this.turns.length = 0;
    this.waiting = 0;
    this.abort.abort();
    this.wakeAll();
    await this.workers;
  }

  /** Stops taking new keys but processes every key already queued, then stops. */
  async drain(): Promise<void> {
    if (this.state === "stopped") return this.shutdown();
    this.stopAccepting();
    this.state = "draining";
    if (this.waiting === 0) this.wakeAll();
    await this.workers;
    this.state = "stopped";
  }

  private async work(handler: KeyHandler): Promise<void> {
    for (;;) {
      const key = await this.get();
      if (key === undefined) return;
      await this.nextTurn();
      try {
        const result = await handler(key, this.abort.signal);
        this.forget(key);
        this.totals.completed++;
        if (result && result.requeueAfter !== undefined) this.addAfter(key, result.requeueAfter);
      } catch (err) {
        this.totals.failures++;
        const retryInMs = this.addRateLimited(key);
        this.logger.error("reconcile failed", {
          queue: this.name,
          key,
          error: errorMessage(err),
          retries: this.numRequeues(key),
          retryInMs: this.shuttingDown ? undefined : retryInMs,
        });
      } finally {
        this.done(key);
      }
    }
  }

  /**
   * Resolves in a later turn of the event loop, one waiting worker per turn. Workers woken by a
   * burst of adds would otherwise all run their handlers in the microtasks of one turn (or the
   * immediates of one), and a handler that never waits on I/O would run key after key: health
   * probes and watches would wait for all of them. So I/O is polled between any two keys.
   */
  private nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.turnWaiters.push(resolve);
      if (!this.turnScheduled) this.scheduleTurn();
    });
  }

  private scheduleTurn(): void {
    this.turnScheduled = true;
    // An immediate queued from an immediate runs in the next turn, after I/O is polled.
    setImmediate(() => {
      this.turnScheduled = false;
      this.turnWaiters.shift()?.();
      if (this.turnWaiters.length > 0) this.scheduleTurn();
    });
  }

  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      const group = this.groupOf(key);
      let keys = this.groups.get(group);
      if (keys === undefined) {
        this.groups.set(group, (keys = []));
        this.turns.push(group);
      }
      keys.push(key);
      this.waiting++;
    }
  }

  private take(): string | undefined {
    if (this.state === "stopped") return undefined;
    const group = this.turns.shift();
    if (group === undefined) return undefined;
    const keys = this.groups.get(group)!;
    const key = keys.shift()!;
    this.waiting--;
    if (keys.length > 0) this.turns.push(group);
    else this.groups.delete(group);
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private stopAccepting(): void {
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }

  private wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
