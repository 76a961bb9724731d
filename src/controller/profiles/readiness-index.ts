import { Signal } from "../../kube/manager.js";

// Whether a profile a workload names can go into its pod template now: the answers' types, and
// the states the profile reconciler last found, whose changes requeue the workloads. The
// answer itself comes from the profile gate (profile-gate.ts), on any replica.

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

/** The profiles' states as their last reconcile found them; `changed` requeues the workloads naming them. */
export class ReadinessIndex {
  private readonly states = new Map<string, ProfileState>();
  /** Since when (this process's clock) each profile has been ready with its current hash. */
  private readonly since = new Map<string, { hash: string; at: number }>();
  /** The `namespace/name` of a profile whose state changed in a way workloads care about. */
  readonly changed = new Signal<string>();

  /** Returns true when the state changed in a way workloads care about. */
  set(key: string, state: ProfileState | undefined, now = Date.now()): boolean {
    const old = this.states.get(key);
    if (state === undefined) this.states.delete(key);
    else this.states.set(key, state);
    if (state?.state !== "ready") this.since.delete(key);
    else if (this.since.get(key)?.hash !== state.hash) this.since.set(key, { hash: state.hash, at: now });
    const changed = JSON.stringify(old) !== JSON.stringify(state);
    if (changed) this.changed.emit(key);
    return changed;
  }

  /** When this replica's reconciles first found `hash` of `key` installed everywhere (undefined: not now). */
  readySince(key: string, hash: string): number | undefined {
    const entry = this.since.get(key);
    return entry?.hash === hash ? entry.at : undefined;
  }
}
