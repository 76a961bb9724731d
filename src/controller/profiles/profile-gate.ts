// The gate between a profile and the pods that name it: a hash goes into a pod (template) only
// once every live node has installed it. One computation from the caches every replica keeps,
// so the profile reconciler (status), the workload reconciler (patches) and the admission
// webhook (on any replica) answer alike.
import { resolutionOrder } from "../../api/name-resolution.js";
import type { SeccompNodeStatus } from "../../api/node-status.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { Informer } from "../../kube/informer.js";
import { summarize } from "../../profile/compile.js";
import type { RenderedProfile } from "../../profile/render.js";
import { aggregate, type Aggregate } from "../nodes/node-aggregation.js";
import type { CompileResult, ProfileCompiles } from "./profile-compiles.js";
import type { ProfileHashes } from "./profile-hashes.js";
import type { ProfileReadiness, ProfileState, ReadinessLookup } from "./readiness-index.js";
import { installedCondition } from "./status-computation.js";

/** The readiness a compile and the nodes' reports give one profile (`namespace/name`). */
export function gateState(key: string, compiled: CompileResult, nodes: Aggregate): ProfileState {
  if (!compiled.ok) return { state: "invalid", key, reason: summarize(compiled.error) };
  if (nodes.total > 0 && nodes.installed === nodes.total) return { state: "ready", key, hash: compiled.value.rendered.hash };
  return { state: "pending", key, reason: installedCondition(nodes).message };
}

export interface ProfileGateOptions {
  profiles: Pick<Informer<SeccompProfile>, "get">;
  nodeStatuses: Pick<Informer<SeccompNodeStatus>, "list">;
  /** How long ago this process saw a node's heartbeat change (monotonic); the report's own time otherwise. */
  heartbeatAge: (node: string) => number | undefined;
  catalogueNamespace: string;
  staleAfterMs: number;
  /** Expected hashes of every profile, to read the nodes' digests. */
  hashes: ProfileHashes;
  compiles: ProfileCompiles;
}

export class ProfileGate {
  constructor(private readonly o: ProfileGateOptions) {}

  /** The profile's compile, shared with the expected hashes: admission asks on every request. */
  compile(object: SeccompProfile): CompileResult {
    return this.o.compiles.compile(object);
  }

  /** The bytes nodes write for the profile now; undefined when it is invalid. */
  render(object: SeccompProfile): RenderedProfile | undefined {
    const compiled = this.compile(object);
    return compiled.ok ? compiled.value.rendered : undefined;
  }

  /** Where `hash` of profile `key` is installed, now. */
  nodes(key: string, hash: string | undefined, now = Date.now()): Aggregate {
    const views = this.o.nodeStatuses.list().map((n) => {
      const node = n.metadata?.name ?? "";
      const ageMs = this.o.heartbeatAge(node);
      return ageMs === undefined ? { node, report: n.status } : { node, report: n.status, ageMs };
    });
    return aggregate(key, hash, views, { now, staleAfterMs: this.o.staleAfterMs, catalogueNamespace: this.o.catalogueNamespace, expect: this.o.hashes });
  }

  /** A name as a workload in `namespace` writes it: its own namespace first, then the catalogue. */
  readonly lookup: ReadinessLookup = (namespace, name): ProfileReadiness => {
    for (const ns of resolutionOrder(namespace, this.o.catalogueNamespace)) {
      const key = `${ns}/${name}`;
      const object = this.o.profiles.get(key);
      if (object === undefined) continue;
      const compiled = this.compile(object);
      return gateState(key, compiled, this.nodes(key, compiled.ok ? compiled.value.rendered.hash : undefined));
    }
    return { state: "missing" };
  };
}
