// The gate between a profile and the pods that name it: a hash goes into a pod (template) only
// once every live node has installed it. One computation from the caches every replica keeps,
// so the profile reconciler (status), the workload reconciler (patches) and the admission
// webhook (on any replica) answer alike.
import { resolutionOrder } from "../../api/name-resolution.js";
import type { SeccompNodeStatus } from "../../api/node-status.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { Informer } from "../../kube/informer.js";
import { compileObject, summarize } from "../../profile/compile.js";
import type { Diagnostic } from "../../profile/diagnostics.js";
import type { RenderedProfile } from "../../profile/render.js";
import { err, ok, type Result } from "../../profile/result.js";
import { aggregate, type Aggregate } from "../nodes/node-aggregation.js";
import type { ProfileHashes } from "./profile-hashes.js";
import type { ProfileReadiness, ProfileState, ReadinessLookup } from "./readiness-index.js";
import { installedCondition } from "./status-computation.js";

/**
 * What the gate keeps of a compile: the hash and the findings. The rendered bytes are left out
 * (at 10,000 profiles they were most of the memo): the few callers that need them render again.
 */
export type CompileResult = Result<{ hash: string; findings: Diagnostic[] }, Diagnostic[]>;

/** The readiness a compile and the nodes' reports give one profile (`namespace/name`). */
export function gateState(key: string, compiled: CompileResult, nodes: Aggregate): ProfileState {
  if (!compiled.ok) return { state: "invalid", key, reason: summarize(compiled.error) };
  if (nodes.total > 0 && nodes.installed === nodes.total) return { state: "ready", key, hash: compiled.value.hash };
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
}

interface Memo {
  /** The resourceVersion of every profile the compile read (undefined: it was absent). */
  read: Map<string, string | undefined>;
  result: CompileResult;
}

export class ProfileGate {
  /** Compiles by profile key, reused while none of the objects it read changed. */
  private readonly memo = new Map<string, Memo>();

  constructor(private readonly o: ProfileGateOptions) {}

  /** compileObject with bases from the cache, memoized: admission asks on every request. */
  compile(object: SeccompProfile): CompileResult {
    const key = `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
    const known = this.memo.get(key);
    if (known !== undefined && known.read.get(key) === object.metadata.resourceVersion && this.unchanged(known.read)) return known.result;
    const read = new Map<string, string | undefined>([[key, object.metadata.resourceVersion]]);
    const compiled = compileObject(
      object,
      (ns, n) => {
        const found = this.o.profiles.get(`${ns}/${n}`);
        read.set(`${ns}/${n}`, found?.metadata.resourceVersion);
        return found;
      },
      this.o.catalogueNamespace,
    );
    const result: CompileResult = compiled.ok ? ok({ hash: compiled.value.rendered.hash, findings: compiled.value.findings }) : err(compiled.error);
    this.memo.set(key, { read, result });
    return result;
  }

  /** The bytes nodes write for the profile now (not memoized); undefined when it is invalid. */
  render(object: SeccompProfile): RenderedProfile | undefined {
    const compiled = compileObject(object, (ns, n) => this.o.profiles.get(`${ns}/${n}`), this.o.catalogueNamespace);
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
      if (object === undefined) {
        this.memo.delete(key);
        continue;
      }
      const compiled = this.compile(object);
      return gateState(key, compiled, this.nodes(key, compiled.ok ? compiled.value.hash : undefined));
    }
    return { state: "missing" };
  };

  private unchanged(read: ReadonlyMap<string, string | undefined>): boolean {
    for (const [key, version] of read) if (this.o.profiles.get(key)?.metadata.resourceVersion !== version) return false;
    return true;
  }
}
