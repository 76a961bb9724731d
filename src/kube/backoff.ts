// Exponential backoff: for one retried operation (a watch that keeps failing)
// and per key (a work-queue item whose reconcile keeps failing), so that a
// broken dependency is retried ever more slowly instead of hammered.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per failure; default 2. */
  factor?: number;
  /** Each delay is drawn from [d·(1−jitter), d]; 0 (default) for exact delays. */
  jitter?: number;
}

function delayFor(failures: number, options: BackoffOptions, random: () => number): number {
  const exact = Math.min(options.maxMs, options.initialMs * (options.factor ?? 2) ** failures);
  const jitter = options.jitter ?? 0;
  return Math.round(exact * (1 - jitter * random()));
}

/** Delays for one operation: initial, then growing, until reset by a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = delayFor(this.failures, this.options, this.random);
    this.failures = Math.min(this.failures + 1, 64);
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/** Delays per key, as client-go's ItemExponentialFailureRateLimiter: base·2^failures, capped. */
export class KeyedBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before retrying `key`; each call counts one more failure of it. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, Math.min(n + 1, 64));
    return delayFor(n, this.options, Math.random);
  }

  /** Failures of `key` since it last succeeded. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
