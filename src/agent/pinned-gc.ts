import type { PinnedRef } from "../api/node-paths.js";
import { pinnedKey } from "../api/node-paths.js";

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
