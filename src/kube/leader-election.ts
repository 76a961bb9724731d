// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it, so
// that of several replicas exactly one reconciles. Writes are conditional on
// the resourceVersion read, so two candidates can never both win the same
// term; a candidate judges expiry by its own clock (how long since it saw the
// lease change), never by comparing timestamps written by another machine;
// a leader that cannot renew within renewDeadline (< leaseDuration) stops
// leading before anyone else may start.
import { isAlreadyExists, isConflict } from "./api-error.js";
import { sleep } from "./backoff.js";
import { createLogger, errorMessage, type Logger } from "./logger.js";
import type { KubeObject } from "./objects.js";
import type { Resource } from "./resource.js";
import type { RestClient } from "./rest-client.js";

export const LEASES: Resource = { group: "coordination.k8s.io", version: "v1", plural: "leases" };

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** Unique per candidate, e.g. the pod name. */
  identity: string;
  /** How long a lease is valid after its last renewal; default 15 s (whole seconds on the wire). */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long steps down; default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew; default 2 s. */
  retryPeriodMs?: number;
  /** Called when this candidate becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership ends (lost or given up); never if it was not acquired. */
  onStoppedLeading(): void;
  /** Called when another (or this) identity is seen holding the lease. */
  onNewLeader?(identity: string): void;
  logger?: Logger;
}

export type ElectionOutcome = "stopped" | "lost";

export class LeaderElector {
  private readonly logger: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopController = new AbortController();
  private release = true;
  private leading = false;
  private observed: { resourceVersion: string; at: number; spec: LeaseSpec } | undefined;
  private reportedLeader: string | undefined;
  private running: Promise<ElectionOutcome> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs < 1000) throw new Error("leaseDurationMs must be at least 1000 (the Lease counts whole seconds)");
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error("renewDeadlineMs must be shorter than leaseDurationMs");
    if (this.retryPeriodMs >= this.renewDeadlineMs) throw new Error("retryPeriodMs must be shorter than renewDeadlineMs");
    this.logger = (options.logger ?? createLogger("leader-election")).child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the lease, if any. */
  leader(): string | undefined {
    return this.observed?.spec.holderIdentity || undefined;
  }

  /**
   * Campaigns until elected, then leads until stop() ("stopped") or until
   * renewal fails past the deadline or another holder is seen ("lost"). A
   * process that lost should exit: its view of the world may be stale.
   */
  run(): Promise<ElectionOutcome> {
    this.running ??= this.campaign();
    return this.running;
  }

  /**
   * Stops campaigning or leading. With `release` (the default) a leader waits
   * for its onStartedLeading work to return and then frees the lease so that
   * another candidate takes over at once; without it the lease simply expires,
   * as after a crash.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.release = options.release ?? true;
    this.stopController.abort();
    await this.running;
  }

  private async campaign(): Promise<ElectionOutcome> {
    const stopped = this.stopController.signal;
    while (!stopped.aborted && !(await this.tryAcquireOrRenew())) {
      await sleep(this.retryPeriodMs * (1 + 0.2 * Math.random()), stopped);
    }
    if (stopped.aborted) return "stopped";

    this.leading = true;
    this.logger.info("started leading");
    const term = new AbortController();
    const work = Promise.resolve()
      .then(() => this.options.onStartedLeading(term.signal))
      .catch((err: unknown) => this.logger.error("leader work failed", { error: errorMessage(err) }));

    let lastRenew = performance.now();
    let outcome: ElectionOutcome = "stopped";
    while (!stopped.aborted) {
      await sleep(this.retryPeriodMs, stopped);
      if (stopped.aborted) break;
      const remaining = this.renewDeadlineMs - (performance.now() - lastRenew);
      const renewed = await this.tryAcquireOrRenew(Math.max(Math.ceil(remaining), 1));
      if (renewed) {
        lastRenew = performance.now();
        continue;
      }
      const holder = this.leader();
      if (holder && holder !== this.options.identity) {
        this.logger.warn("lease taken by another holder", { holder });
        outcome = "lost";
        break;
      }
      if (performance.now() - lastRenew >= this.renewDeadlineMs) {
        this.logger.warn("failed to renew within the deadline", { renewDeadlineMs: this.renewDeadlineMs });
        outcome = "lost";
        break;
      }
    }

    term.abort();
    this.leading = false;
    this.logger.info("stopped leading", { outcome });
    try {
      this.options.onStoppedLeading();
    } catch (err) {
      this.logger.error("onStoppedLeading failed", { error: errorMessage(err) });
    }
    if (outcome === "stopped" && this.release) {
      // Only once the leader's work has ended may someone else start theirs.
      await work;
      await this.releaseLease();
    }
    return outcome;
  }

  /** One attempt; true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const { client, namespace, name, identity } = this.options;
    const ref = { ...LEASES, namespace, name };
    // Lease times are wall-clock (other replicas read them); what this replica measures uses the
    // monotonic clock, so a step of the wall clock can neither void nor stretch a lease.
    const now = new Date();
    const mono = performance.now();
    // One deadline for the whole attempt (read, then write), so that a slow API server cannot
    // stretch a renewal past the renew deadline while this replica still acts as leader.
    const deadline = mono + Math.min(timeoutMs, this.renewDeadlineMs);
    const call = () => ({ timeoutMs: Math.max(1, Math.ceil(deadline - performance.now())) });
    try {
      const current = await client.find<Lease>(ref, call());
      if (!current) {
        const created = await client.create<Lease>(ref, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: this.spec(now, now, 0),
        }, call());
        this.observe(created, mono);
        return true;
      }
      this.observe(current, mono);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity || undefined;
      if (holder && holder !== identity && !this.expired(spec, mono)) return false;
      const mine = holder === identity;
      const transitions = spec.leaseTransitions ?? 0;
      const updated = await client.replace<Lease>(ref, {
        ...current,
        spec: this.spec(mine && spec.acquireTime ? new Date(spec.acquireTime) : now, now, mine ? transitions : transitions + 1),
      }, call());
      this.observe(updated, mono);
      return true;
    } catch (err) {
      // Someone else wrote first: they won this round.
      if (isConflict(err) || isAlreadyExists(err)) return false;
      this.logger.warn("lease request failed", { error: errorMessage(err) });
      return false;
    }
  }

  private spec(acquired: Date, renewed: Date, transitions: number): LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(acquired),
      renewTime: microTime(renewed),
      leaseTransitions: transitions,
    };
  }

  /** Records when this candidate first saw the lease in its current state. */
  private observe(lease: Lease, at: number): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? "";
    if (this.observed?.resourceVersion !== resourceVersion) this.observed = { resourceVersion, at, spec: lease.spec ?? {} };
    const holder = lease.spec?.holderIdentity || undefined;
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.logger.info("new leader observed", { holder });
      try {
        this.options.onNewLeader?.(holder);
      } catch (err) {
        this.logger.error("onNewLeader failed", { error: errorMessage(err) });
      }
    }
  }

  private expired(spec: LeaseSpec, now: number): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    return (this.observed?.at ?? now) + durationMs <= now;
  }

  /** Frees the lease if still ours, leaving a 1 s duration so no one waits out the old one. */
  private async releaseLease(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    const ref = { ...LEASES, namespace, name };
    try {
      const current = await client.find<Lease>(ref, { timeoutMs: this.renewDeadlineMs });
      if (!current || current.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await client.replace<Lease>(ref, {
        ...current,
        spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      }, { timeoutMs: this.renewDeadlineMs });
      this.logger.info("released the lease");
    } catch (err) {
      this.logger.warn("could not release the lease; it will expire", { error: errorMessage(err) });
    }
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
