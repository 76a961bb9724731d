/** What the workload side needs to know of a profile: whether its current hash may be used. */
export type ProfileState =
  | { state: "ready"; key: string; hash: string }
  | { state: "pending"; key: string; reason: string }
  | { state: "invalid"; key: string; reason: string };

/**
 * The profiles' states as their last reconcile found them, read by the workload reconciler.
 * Names resolve in the workload's namespace first, then in the catalogue namespace.
 */
export class ReadinessIndex {
  private readonly states = new Map<string, ProfileState>();

  constructor(private readonly catalogueNamespace: string) {}

  /** Returns true when the state changed in a way workloads care about. */
  set(key: string, state: ProfileState | undefined): boolean {
    const old = this.states.get(key);
    if (state === undefined) this.states.delete(key);
    else this.states.set(key, state);
    return JSON.stringify(old) !== JSON.stringify(state);
  }

  resolve(namespace: string, name: string): ProfileState | { state: "missing" } {
    return this.states.get(`${namespace}/${name}`) ?? this.states.get(`${this.catalogueNamespace}/${name}`) ?? { state: "missing" };
  }
}
