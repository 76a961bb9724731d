import { resolutionOrder } from "../../api/name-resolution.js";
import { Signal } from "../../kube/manager.js";

// Whether a profile a workload names can go into its pod template now. The profile reconciler
// records each profile's state here; the workload reconciler only asks.

export type ProfileReadiness =
  /** Installed on every live node; `key` is the `namespace/name` it resolved to. */
  | { state: "ready"; key: string; hash: string }
  /** Valid, but the current hash is not yet installed on every live node. */
  | { state: "pending"; key: string; reason: string }
  | { state: "invalid"; key: string; reason: string }
  | { state: "missing" };

/** Resolves a name in the workload's namespace, then in the catalogue namespace. */
export type ReadinessLookup = (namespace: string, profileName: string) => ProfileReadiness;

/** What a reconcile found of one existing profile. */
export type ProfileState = Exclude<ProfileReadiness, { state: "missing" }>;

/**
 * The profiles' states as their last reconcile found them, read by the workload reconciler.
 * Names resolve in the workload's namespace first, then in the catalogue namespace.
 */
export class ReadinessIndex {
  private readonly states = new Map<string, ProfileState>();
  /** The `namespace/name` of a profile whose state changed in a way workloads care about. */
  readonly changed = new Signal<string>();

  constructor(
    private readonly catalogueNamespace: string,
    /** Whether the profile exists in the cache, reconciled or not. */
    private readonly exists: (namespace: string, name: string) => boolean,
  ) {}

  /** Returns true when the state changed in a way workloads care about. */
  set(key: string, state: ProfileState | undefined): boolean {
    const old = this.states.get(key);
    if (state === undefined) this.states.delete(key);
    else this.states.set(key, state);
    const changed = JSON.stringify(old) !== JSON.stringify(state);
    if (changed) this.changed.emit(key);
    return changed;
  }

  /**
   * A profile that exists but has not been reconciled yet (right after this replica became
   * leader) is pending, never "missing", and never shadowed by the catalogue's profile of the
   * same name: that would roll a workload onto the wrong profile and back.
   */
  resolve(namespace: string, name: string): ProfileReadiness {
    for (const ns of resolutionOrder(namespace, this.catalogueNamespace)) {
      const key = `${ns}/${name}`;
      const state = this.states.get(key);
      if (state !== undefined) return state;
      if (this.exists(ns, name)) return { state: "pending", key, reason: "not reconciled yet" };
    }
    return { state: "missing" };
  }
}
