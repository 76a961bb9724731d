import { API_VERSION, NODE_STATUS_KIND } from "../api/names.js";
import type { NodeReport } from "../api/node-status.js";
import { NODE_STATUS_RESOURCE } from "../api/resources.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import type { RestClient } from "../kube/rest-client.js";
import type { KernelSupport } from "./kernel-support.js";
import type { NodeState } from "./node-state.js";

export const AGENT_FIELD_MANAGER = "seccomp-operator-agent";

export interface NodeStatusWriterOptions {
  nodeName: string;
  agentVersion: string;
  kernel: KernelSupport;
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
    this.schedule(0);
    this.heartbeat = setInterval(() => this.schedule(0, true), this.options.heartbeatMs);
    this.heartbeat.unref();
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

  /** Writes now unless a write is already due; `force` for heartbeats. */
  private schedule(delay = this.retryDelay(), force = false): void {
    if (this.stopped || this.timer !== undefined) return;
    if (!force && this.upToDate && this.writing === undefined) return;
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
      status: this.report(),
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

  private report(): NodeReport {
    const profiles: Record<string, string> = {};
    for (const key of [...this.state.installed.keys()].sort()) profiles[key] = this.state.installed.get(key)!;
    const failures = [...this.state.failures.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, 1000)
      .map(([profile, f]) => (f.hash === undefined ? { profile, reason: f.reason.slice(0, 4096) } : { profile, hash: f.hash, reason: f.reason.slice(0, 4096) }));
    return {
      agentVersion: this.options.agentVersion,
      heartbeatTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      kernel: { release: this.options.kernel.release, actionsAvail: this.options.kernel.actionsAvail },
      profiles,
      failures,
    };
  }
}
