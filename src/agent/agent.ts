import { join } from "node:path";
import { Registry } from "prom-client";
import { PROFILE_RESOURCE, POD_RESOURCE } from "../api/resources.js";
import type { ClusterAccess } from "../kube/cluster-access.js";
import { startHealthServer, type HealthServer } from "../kube/health-server.js";
import { Informer } from "../kube/informer.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import { registerInformerMetrics, registerQueueMetrics } from "../kube/metrics.js";
import { objectKey, type KubeObject } from "../kube/objects.js";
import { RestClient } from "../kube/rest-client.js";
import { WorkQueue } from "../kube/work-queue.js";
import { operatorVersion } from "../version.js";
import { agentMetrics } from "./agent-metrics.js";
import { withoutManagedFields } from "../kube/objects.js";
import { podSeccompShape } from "../api/pod-seccomp.js";
import { ProfileFileStore } from "./file-store.js";
import { readKernelSupport } from "./kernel-support.js";
import { NodeState } from "./node-state.js";
import { NodeStatusWriter } from "./node-status-writer.js";
import { PinnedCollector } from "./pinned-gc.js";
import { localhostProfilesOf } from "../api/pod-seccomp.js";
import { parsePinnedPath, pinnedKey } from "../api/node-paths.js";
import { ProfileInstaller } from "./profile-installer.js";
import { dependentsOf } from "../profile/dependents.js";

export interface AgentOptions {
  nodeName: string;
  /** The kubelet's root folder; profiles go to `<kubeletDir>/seccomp/operator/`. */
  kubeletDir: string;
  /** Only profiles of this namespace (and the catalogue's); all namespaces when omitted. */
  namespace?: string;
  catalogueNamespace: string;
  kubeConfig: ClusterAccess;
  logger: Logger;
  healthHost?: string;
  /** 0 for any free port. */
  healthPort: number;
  workers?: number;
  gcGraceMs?: number;
  gcIntervalMs?: number;
  heartbeatMs?: number;
  coalesceMs?: number;
  watchdogMs?: number;
  resyncMs?: number;
}

interface SeccompProfileObject extends KubeObject {
  spec?: { baseProfileName?: string };
  status?: { hashesInUse?: string[] };
}

/**
 * The node agent: renders every SeccompProfile with the shared engine and installs it in the
 * kubelet's seccomp folder, removes what no profile or pod needs, and reports per node.
 */
export class NodeAgent {
  private ready = false;
  private gcTimer: NodeJS.Timeout | undefined;
  private gcRunning = false;

  private constructor(
    private readonly options: AgentOptions,
    private readonly store: ProfileFileStore,
    private readonly profiles: Informer<SeccompProfileObject>[],
    private readonly pods: Informer<KubeObject>,
    private readonly queue: WorkQueue,
    private readonly state: NodeState,
    private readonly writer: NodeStatusWriter,
    private readonly collector: PinnedCollector,
    private readonly health: HealthServer,
    private readonly metrics: ReturnType<typeof agentMetrics>,
  ) {}

  /** The health server's port (useful when started with port 0). */
  get healthPort(): number {
    return this.health.port;
  }

  static async start(options: AgentOptions): Promise<NodeAgent> {
    const logger = options.logger;
    const seccompRoot = join(options.kubeletDir, "seccomp");
    const opened = ProfileFileStore.open(seccompRoot, { createRoot: true });
    if (!opened.ok) throw new Error(`cannot use ${seccompRoot}: ${opened.error.code}: ${opened.error.message}`);
    const store = opened.value;

    const client = new RestClient(options.kubeConfig, { userAgent: `seccomp-operator-agent/${operatorVersion()}` });
    const informerOptions = { logger, resyncPeriodMs: options.resyncMs ?? 10 * 60_000, ...(options.watchdogMs ? { watchdogMs: options.watchdogMs } : {}) };
    const namespaces = options.namespace === undefined ? [undefined] : [...new Set([options.namespace, options.catalogueNamespace])];
    const profiles = namespaces.map(
      (namespace) =>
        new Informer<SeccompProfileObject>(client, { ...informerOptions, resource: PROFILE_RESOURCE, transform: withoutManagedFields, ...(namespace ? { namespace } : {}) }),
    );
    const pods = new Informer<KubeObject>(client, {
      ...informerOptions,
      resource: POD_RESOURCE,
      fieldSelector: `spec.nodeName=${options.nodeName}`,
      transform: podSeccompShape,
    });
    const queue = new WorkQueue({ name: "profiles", logger });
    const state = new NodeState();
    const registry = new Registry();
    const collector = new PinnedCollector(options.gcGraceMs ?? 10 * 60_000);
    const metrics = agentMetrics(registry, state, () => collector.pending());
    registerQueueMetrics({ profiles: queue }, registry);
    registerInformerMetrics({ profiles: profiles[0]!, pods }, registry);
    const writer = new NodeStatusWriter(client, state, {
      nodeName: options.nodeName,
      agentVersion: operatorVersion(),
      kernel: readKernelSupport(),
      coalesceMs: options.coalesceMs ?? 200,
      heartbeatMs: options.heartbeatMs ?? 30_000,
      logger,
      onWrite: (ok) => metrics.statusWrites.inc({ result: ok ? "ok" : "error" }),
    });

    // The checks need the agent, which needs the server's port: a box both can see.
    const holder: { agent?: NodeAgent } = {};
    const health = await startHealthServer({
      host: options.healthHost ?? "0.0.0.0",
      port: options.healthPort,
      registry,
      logger,
      healthz: { informers: () => (holder.agent === undefined ? true : holder.agent.informersAlive()) },
      readyz: { synced: () => holder.agent?.ready === true || "first sync not finished" },
    });
    const agent = new NodeAgent(options, store, profiles, pods, queue, state, writer, collector, health, metrics);
    holder.agent = agent;
    await agent.run();
    return agent;
  }

  private lookup(namespace: string, name: string): SeccompProfileObject | undefined {
    for (const informer of this.profiles) {
      const found = informer.get(`${namespace}/${name}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private allProfiles(): SeccompProfileObject[] {
    return this.profiles.flatMap((i) => i.list());
  }

  /** A profile and every profile built on it, so a change to a base reaches its children. */
  private enqueueWithDependents(object: SeccompProfileObject): void {
    this.queue.add(objectKey(object));
    for (const child of dependentsOf(object, this.allProfiles(), this.options.catalogueNamespace)) this.queue.add(objectKey(child));
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    const installer = new ProfileInstaller(this.store, this.state, {
      catalogueNamespace: this.options.catalogueNamespace,
      lookup: (ns, name) => this.lookup(ns, name),
      logger,
      onInstall: (result) => this.metrics.installs.inc({ result }),
    });
    for (const informer of this.profiles) {
      informer.addHandler({
        onAdd: (o) => this.enqueueWithDependents(o),
        onUpdate: (_old, o) => this.enqueueWithDependents(o),
        onDelete: (o) => this.enqueueWithDependents(o),
      });
      informer.start();
    }
    this.pods.addHandler({ onDelete: () => this.scheduleGc(1_000) });
    this.pods.start();

    const syncTimeout = 5 * 60_000;
    const synced = await Promise.all([...this.profiles, this.pods].map((i) => i.waitForSync(syncTimeout)));
    if (synced.includes(false)) throw new Error("informers did not sync in 5 minutes");

    this.converge();
    this.writer.start();
    void this.queue.run(this.options.workers ?? 4, async (key) => {
      const end = this.metrics.reconcileSeconds.startTimer();
      try {
        installer.reconcile(key);
      } finally {
        end();
      }
    });
    await this.waitForQueue();
    this.ready = true;
    logger.info("agent ready", { node: this.options.nodeName, profiles: this.state.installed.size, failures: this.state.failures.size });
    this.scheduleGc(this.options.gcIntervalMs ?? 30_000);
  }

  /**
   * Start-up: remove what a crash left behind and the stable files of profiles that no longer
   * exist, then queue every profile. Pinned files are left to garbage collection, which keeps
   * those pods still use.
   */
  private converge(): void {
    const { logger } = this.options;
    const temp = this.store.removeTempFiles();
    if (temp.ok && temp.value.removed.length > 0) logger.info("removed temporary files left by a crash", { files: temp.value.removed.length });
    const scan = this.store.scan();
    if (!scan.ok) {
      logger.error("cannot read the profile folder", { error: `${scan.error.code}: ${scan.error.path}: ${scan.error.message}` });
    } else {
      for (const anomaly of scan.value.anomalies) logger.warn("unexpected entry in the profile folder, left alone", { ...anomaly });
      for (const file of scan.value.stable) {
        const key = `${file.namespace}/${file.name}`;
        if (this.lookup(file.namespace, file.name) === undefined && this.inScope(file.namespace)) this.queue.add(key);
      }
    }
    for (const object of this.allProfiles()) this.queue.add(objectKey(object));
  }

  private inScope(namespace: string): boolean {
    return this.options.namespace === undefined || namespace === this.options.namespace || namespace === this.options.catalogueNamespace;
  }

  private async waitForQueue(): Promise<void> {
    for (;;) {
      const stats = this.queue.stats();
      if (stats.depth === 0 && stats.processing === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private scheduleGc(delayMs: number): void {
    if (this.gcTimer !== undefined) {
      clearTimeout(this.gcTimer);
    }
    this.gcTimer = setTimeout(() => {
      this.gcTimer = undefined;
      this.collectGarbage();
      this.scheduleGc(this.options.gcIntervalMs ?? 30_000);
    }, delayMs);
    this.gcTimer.unref();
  }

  /** Removes pinned files that neither a profile's current content nor a pod on this node uses. */
  collectGarbage(now = Date.now()): void {
    if (this.gcRunning || !this.ready) return;
    this.gcRunning = true;
    try {
      const scan = this.store.scan();
      if (!scan.ok) return;
      const inUse = new Set<string>();
      for (const [key, hash] of this.state.installed) inUse.add(`${key}/${hash}`);
      // Older hashes that workload templates still name, as the controller reports them: a pod
      // created from such a template on this node needs the file even if none runs here now.
      for (const profile of this.allProfiles()) {
        const key = objectKey(profile);
        for (const hash of profile.status?.hashesInUse ?? []) inUse.add(`${key}/${hash}`);
      }
      for (const pod of this.pods.list()) {
        for (const path of localhostProfilesOf(pod)) {
          const ref = parsePinnedPath(path);
          if (ref !== undefined) inUse.add(pinnedKey(ref));
        }
      }
      const due = this.collector.collect(
        scan.value.pinned.filter((p) => this.inScope(p.namespace)),
        inUse,
        now,
      );
      for (const ref of due) {
        const removed = this.store.removePinned(ref.namespace, ref.name, ref.hash);
        if (removed.ok) {
          this.collector.forget(ref);
          this.metrics.pinnedRemoved.inc();
          this.options.logger.info("removed unused pinned profile", { key: `${ref.namespace}/${ref.name}`, hash: ref.hash });
        } else {
          this.options.logger.warn("cannot remove pinned profile", { key: `${ref.namespace}/${ref.name}`, hash: ref.hash, error: removed.error.message });
        }
      }
    } catch (error) {
      this.options.logger.error("garbage collection failed", { error: errorMessage(error) });
    } finally {
      this.gcRunning = false;
    }
  }

  private informersAlive(): boolean | string {
    // An informer that lost contact keeps retrying on its own; liveness fails only when it has
    // been silent far longer than its watchdog allows, which means the process is wedged.
    const limit = 3 * (this.options.watchdogMs ?? 5 * 60_000);
    const now = Date.now();
    for (const informer of [...this.profiles, this.pods]) {
      const last = informer.stats().lastContactAt;
      if (last !== 0 && now - last > limit) return "an informer has been silent too long";
    }
    return true;
  }

  async stop(): Promise<void> {
    clearTimeout(this.gcTimer);
    await this.queue.shutdown();
    await Promise.all([...this.profiles, this.pods].map((i) => i.stop()));
    await this.writer.stop();
    await this.health.close();
  }
}
