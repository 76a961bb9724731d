// Garbage collection of pinned files: which may go (PinnedCollector, pure), and the agent
// component that looks every interval, and soon after a pod of this node is deleted.
import type { PinnedRef } from "../api/node-paths.js";
import { parsePinnedPath, pinnedKey } from "../api/node-paths.js";
import { localhostProfilesOf } from "../api/pod-seccomp.js";
import type { Informer } from "../kube/informer.js";
import { errorMessage } from "../kube/logger.js";
import type { Manager } from "../kube/manager.js";
import { objectKey, type KubeObject } from "../kube/objects.js";
import type { agentMetrics } from "./agent-metrics.js";
import type { ProfileFileStore } from "./file-store.js";
import type { NodeState } from "./node-state.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import { inScope, type ProfileScope } from "./profile-installer.js";

/**
 * Decides which pinned files may go. A pinned file stays while it is the current content of
 * a profile or a pod on this node refers to it; once neither holds, it goes after a grace
 * period (a pod being created may not be visible yet). Pure: the caller brings the clock.
 */
export class PinnedCollector {
  private readonly unusedSince = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** The files to delete now. `inUse` holds `namespace/name/hash` keys. */
  collect(onDisk: readonly PinnedRef[], inUse: ReadonlySet<string>, now: number): PinnedRef[] {
    const due: PinnedRef[] = [];
    const seen = new Set<string>();
    for (const ref of onDisk) {
      const key = pinnedKey(ref);
      seen.add(key);
      if (inUse.has(key)) {
        this.unusedSince.delete(key);
        continue;
      }
      const since = this.unusedSince.get(key);
      if (since === undefined) this.unusedSince.set(key, now);
      else if (now - since >= this.graceMs) due.push(ref);
    }
    for (const key of this.unusedSince.keys()) if (!seen.has(key)) this.unusedSince.delete(key);
    return due;
  }

  forget(ref: PinnedRef): void {
    this.unusedSince.delete(pinnedKey(ref));
  }

  /** Files waiting out their grace period, for metrics. */
  pending(): number {
    return this.unusedSince.size;
  }
}

export interface PinnedGcSetup {
  store: ProfileFileStore;
  state: NodeState;
  collector: PinnedCollector;
  scope: ProfileScope;
  profiles: readonly Informer<SeccompProfile>[];
  /** This node's pods. */
  pods: Informer<KubeObject>;
  intervalMs: number;
  /** Nothing is collected before the first install pass is done. */
  isReady: () => boolean;
  metrics: ReturnType<typeof agentMetrics>;
}

/** Starts (once the first pass is done) collecting every `intervalMs`, and 1 s after a pod of this node goes. */
export function setupPinnedGc(manager: Manager, setup: PinnedGcSetup): void {
  const { store, state, collector, scope, metrics } = setup;
  const logger = manager.logger;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;

  /** Removes pinned files that neither a profile's current content nor a pod on this node uses. */
  // A monotonic clock: a step of the wall clock (NTP) must neither void nor stretch the grace period.
  const collectGarbage = (now = performance.now()) => {
    if (running || !setup.isReady()) return;
    running = true;
    try {
      const scan = store.scan();
      if (!scan.ok) return;
      const inUse = new Set<string>();
      for (const [key, hash] of state.installed) inUse.add(`${key}/${hash}`);
      // Older hashes that workload templates still name, as the controller reports them: a pod
      // created from such a template on this node needs the file even if none runs here now.
      for (const profile of setup.profiles.flatMap((i) => i.list())) {
        const key = objectKey(profile);
        for (const hash of profile.status?.hashesInUse ?? []) inUse.add(`${key}/${hash}`);
      }
      for (const pod of setup.pods.list()) {
        for (const path of localhostProfilesOf(pod)) {
          const ref = parsePinnedPath(path);
          if (ref !== undefined) inUse.add(pinnedKey(ref));
        }
      }
      const due = collector.collect(
        scan.value.pinned.filter((p) => inScope(scope, p.namespace)),
        inUse,
        now,
      );
      for (const ref of due) {
        const removed = store.removePinned(ref.namespace, ref.name, ref.hash);
        if (removed.ok) {
          collector.forget(ref);
          metrics.pinnedRemoved.inc();
          logger.info("removed unused pinned profile", { key: `${ref.namespace}/${ref.name}`, hash: ref.hash });
        } else {
          logger.warn("cannot remove pinned profile", { key: `${ref.namespace}/${ref.name}`, hash: ref.hash, error: removed.error.message });
        }
      }
    } catch (error) {
      logger.error("garbage collection failed", { error: errorMessage(error) });
    } finally {
      running = false;
    }
  };

  let dueAt = Infinity;
  /** Brings the next run forward to `delayMs` from now, never later: pods deleted every second must not postpone it forever. */
  const schedule = (delayMs: number) => {
    if (stopped || performance.now() + delayMs >= dueAt) return;
    if (timer !== undefined) clearTimeout(timer);
    dueAt = performance.now() + delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      dueAt = Infinity;
      collectGarbage();
      schedule(setup.intervalMs);
    }, delayMs);
    timer.unref();
  };

  setup.pods.addHandler({ onDelete: () => schedule(1_000) });
  manager.add({
    name: "pinned-gc",
    leaderOnly: false,
    start: () => schedule(setup.intervalMs),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  });
}
