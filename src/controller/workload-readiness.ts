// Whether a profile a workload names can go into its pod template now. The
// controller answers from the profiles' and nodes' state; the workload side
// only asks.

export type ProfileReadiness =
  /** Installed on every live node; `key` is the `namespace/name` it resolved to. */
  | { state: "ready"; key: string; hash: string }
  /** Valid, but the current hash is not yet installed on every live node. */
  | { state: "pending"; key: string; reason: string }
  | { state: "invalid"; key: string; reason: string }
  | { state: "missing" };

/** Resolves a name in the workload's namespace, then in the catalogue namespace. */
export type ReadinessLookup = (namespace: string, profileName: string) => ProfileReadiness;
