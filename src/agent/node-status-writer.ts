import { API_VERSION, NODE_STATUS_KIND } from "../api/names.js";
import { MAX_NODE_FAILURE_REASON, MAX_NODE_FAILURES, type NodeReport } from "../api/node-status.js";
import { NODE_STATUS_RESOURCE } from "../api/resources.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import type { RestClient } from "../kube/rest-client.js";
import type { KernelSupport } from "./kernel-support.js";
import type { NodeState, ProfileFailure } from "./node-state.js";

export const AGENT_FIELD_MANAGER = "seccomp-operator-agent";
/** Owns only status.heartbeatTime, so a heartbeat is a write of one field whatever is installed. */
export const HEARTBEAT_FIELD_MANAGER = "seccomp-operator-agent-heartbeat";

export interface NodeStatusWriterOptions {
  nodeName: string;
  agentVersion: string;
  kernel: KernelSupport;
  /** The only namespace (besides the catalogue's) this agent installs; all when undefined. */
  namespace?: string;
  /** Changes within this window go out in one write. */
  coalesceMs: number;
  /** A write at least this often, so the controller can tell a live agent from a dead one. */
  heartbeatMs: number;
  logger: Logger;
  onWrite?: (ok: boolean) => void;
}

/**
 * Writes the node's SeccompNodeStatus by server-side apply: one object per node, written only
 * by its agent. A burst of 500 installs becomes a handful of writes; a failed write is retried
 * with the next change or heartbeat, never lost.
 */
export class NodeStatusWriter {
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private writtenRevision = -1;
  private stopped = false;
  /** Failed writes in a row; each one doubles the wait before the next, up to a minute. */
  private failures = 0;

  constructor(
    private readonly client: RestClient,
    private readonly state: NodeState,
    private readonly options: NodeStatusWriterOptions,
  ) {
    state.onChange(() => this.schedule());
  }

  start(): void {
    // The content first: it creates the object, whose schema requires its fields (a heartbeat
    // alone would be refused, and the node would count only from the next one, a period later).
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      void this.beat();
      if (!this.upToDate) this.schedule();
    });
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Applies the heartbeat alone: independent of the content, and of its size. */
  private async beat(): Promise<void> {
    if (this.stopped) return;
    const body = { apiVersion: API_VERSION, kind: NODE_STATUS_KIND, metadata: { name: this.options.nodeName }, status: { heartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") } };
    try {
      await this.client.apply({ ...NODE_STATUS_RESOURCE, name: this.options.nodeName }, body, { fieldManager: HEARTBEAT_FIELD_MANAGER, force: true });
      this.options.onWrite?.(true);
    } catch (error) {
      this.options.logger.warn("node heartbeat write failed", { node: this.options.nodeName, error: errorMessage(error) });
      this.options.onWrite?.(false);
    }
  }

  /** True once the current state is written. */
  get upToDate(): boolean {
    return this.writtenRevision === this.state.revision;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    await this.writing;
    // A last write, so the status does not lag behind what is on disk.
    if (!this.upToDate) await this.write();
  }

  /** Writes now unless a write is already due. */
  private schedule(delay = this.retryDelay()): void {
    if (this.stopped || this.timer !== undefined) return;
    if (this.upToDate && this.writing === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.writing !== undefined) {
        // One write at a time; the one in flight reschedules if it is stale when it ends.
        return;
      }
      this.writing = this.write().finally(() => {
        this.writing = undefined;
        if (!this.upToDate) this.schedule(this.retryDelay());
      });
    }, delay);
  }

  private async write(): Promise<void> {
    const revision = this.state.revision;
    const body = {
      apiVersion: API_VERSION,
      kind: NODE_STATUS_KIND,
      metadata: { name: this.options.nodeName },
      status: nodeReport(this.state, this.options),
    };
    try {
      await this.client.apply({ ...NODE_STATUS_RESOURCE, name: this.options.nodeName }, body, { fieldManager: AGENT_FIELD_MANAGER, force: true });
      this.writtenRevision = revision;
      this.failures = 0;
      this.options.onWrite?.(true);
    } catch (error) {
      this.failures++;
      this.options.logger.warn("node status write failed", { node: this.options.nodeName, error: errorMessage(error), failures: this.failures });
      this.options.onWrite?.(false);
    }
  }

  /** The coalescing window after a success; exponential backoff with jitter after failures. */
  private retryDelay(): number {
    if (this.failures === 0) return this.options.coalesceMs;
    const base = Math.min(60_000, this.options.coalesceMs * 2 ** Math.min(this.failures, 10));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

/** The node's report: bounded whatever is installed (fixed-size digests, at most MAX_NODE_FAILURES failures listed, every failure counted per bucket). */
export function nodeReport(state: NodeState, options: Pick<NodeStatusWriterOptions, "agentVersion" | "kernel" | "namespace">): NodeReport {
  const listed = fairFailures(state.failures, MAX_NODE_FAILURES).map(([profile, f]) => {
    const reason = f.reason.length > MAX_NODE_FAILURE_REASON ? `${f.reason.slice(0, MAX_NODE_FAILURE_REASON - 1)}…` : f.reason;
    return f.hash === undefined ? { profile, reason } : { profile, hash: f.hash, reason };
  });
  return {
    agentVersion: options.agentVersion,
    kernel: { release: options.kernel.release, actionsAvail: options.kernel.actionsAvail },
    scope: options.namespace === undefined ? {} : { namespace: options.namespace },
    // Without the cluster's salt the agent cannot place profiles in buckets: a heartbeat, no digests.
    ...(state.salt === undefined ? {} : { installed: { saltId: state.salt.id, count: state.currentCount, digests: state.digest.encode() } }),
    failures: listed,
    failuresOmitted: state.failures.size - listed.length,
    ...(state.salt === undefined ? {} : { failedBuckets: state.failed.encode() }),
  };
}

/**
 * Failed writes (the node's own trouble) before invalid profiles (a tenant's), and within
 * each, one namespace after another, so no namespace's failures can push out another's.
 */
function fairFailures(failures: ReadonlyMap<string, ProfileFailure>, limit: number): [string, ProfileFailure][] {
  const out: [string, ProfileFailure][] = [];
  for (const write of [true, false]) {
    if (out.length >= limit) break;
    const byNamespace = new Map<string, [string, ProfileFailure][]>();
    for (const entry of [...failures].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if ((entry[1].write === true) !== write) continue;
      const namespace = entry[0].slice(0, entry[0].indexOf("/"));
      let list = byNamespace.get(namespace);
      if (list === undefined) byNamespace.set(namespace, (list = []));
      list.push(entry);
    }
    let lists = [...byNamespace.values()];
    for (let round = 0; lists.length > 0 && out.length < limit; round++) {
      lists = lists.filter((l) => round < l.length);
      for (const list of lists) if (out.length < limit) out.push(list[round]!);
    }
  }
  return out;
}
