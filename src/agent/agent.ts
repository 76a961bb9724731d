// The node agent: renders every SeccompProfile with the shared engine and installs it in the
// kubelet's seccomp folder, removes what no profile or pod needs, and reports per node. This
// file only registers the components with the manager: what each one watches is declared in
// its setup function. Every agent runs all of them (no leader election).
import { join } from "node:path";
import type { SecretRef } from "../api/digest-salt.js";
import { podSeccompShape } from "../api/pod-seccomp.js";
import { POD_RESOURCE } from "../api/resources.js";
import type { ClusterAccess } from "../kube/cluster-access.js";
import type { Logger } from "../kube/logger.js";
import { Manager, type MetricsServing } from "../kube/manager.js";
import { operatorVersion } from "../version.js";
import { agentMetrics } from "./agent-metrics.js";
import { ProfileFileStore } from "./file-store.js";
import { readKernelSupport } from "./kernel-support.js";
import { NodeState } from "./node-state.js";
import { NodeStatusWriter } from "./node-status-writer.js";
import { PinnedCollector, setupPinnedGc } from "./pinned-gc.js";
import { profileCaches, setupProfileInstaller } from "./profile-installer.js";
import { readSaltUntilFound } from "./salt-reader.js";

export interface AgentOptions {
  nodeName: string;
  /** The kubelet's root folder; profiles go to `<kubeletDir>/seccomp/operator/`. */
  kubeletDir: string;
  /** Only profiles of this namespace (and the catalogue's); all namespaces when omitted. */
  namespace?: string;
  catalogueNamespace: string;
  /** The Secret holding the cluster's digest salt (the controller creates it). */
  saltSecret: SecretRef;
  kubeConfig: ClusterAccess;
  logger: Logger;
  healthHost?: string;
  /** 0 for any free port. */
  healthPort: number;
  /** /metrics: its address and who may read it. */
  metrics: MetricsServing;
  workers?: number;
  gcGraceMs?: number;
  gcIntervalMs?: number;
  heartbeatMs?: number;
  coalesceMs?: number;
  watchdogMs?: number;
  resyncMs?: number;
}

/** Builds the agent's manager; `start()` it (it resolves once the first install pass is done). */
export function createAgent(options: AgentOptions): Manager {
  const seccompRoot = join(options.kubeletDir, "seccomp");
  const opened = ProfileFileStore.open(seccompRoot, { createRoot: true });
  if (!opened.ok) throw new Error(`cannot use ${seccompRoot}: ${opened.error.code}: ${opened.error.message}`);
  const store = opened.value;
  const watchdogMs = options.watchdogMs ?? 5 * 60_000;
  const manager = new Manager({
    component: "agent",
    version: operatorVersion(),
    kubeConfig: options.kubeConfig,
    logger: options.logger,
    identity: options.nodeName,
    ...(options.healthHost === undefined ? {} : { healthHost: options.healthHost }),
    healthPort: options.healthPort,
    metrics: options.metrics,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.watchdogMs ? { watchdogMs: options.watchdogMs } : {}),
  });
  const scope = { ...(options.namespace === undefined ? {} : { namespace: options.namespace }), catalogueNamespace: options.catalogueNamespace };
  const pods = manager.cache({ name: "pods", resource: POD_RESOURCE, fieldSelector: `spec.nodeName=${options.nodeName}`, transform: podSeccompShape });
  const state = new NodeState();
  const collector = new PinnedCollector(options.gcGraceMs ?? 10 * 60_000);
  const metrics = agentMetrics(manager.registry, state, () => collector.pending());

  const writer = new NodeStatusWriter(manager.client, state, {
    nodeName: options.nodeName,
    agentVersion: operatorVersion(),
    kernel: readKernelSupport(),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    coalesceMs: options.coalesceMs ?? 200,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    logger: options.logger,
    onWrite: (ok) => metrics.statusWrites.inc({ result: ok ? "ok" : "error" }),
  });
  manager.add({ name: "node-status", leaderOnly: false, start: () => writer.start(), stop: () => writer.stop() });
  const saltReading = new AbortController();
  manager.add({
    name: "digest-salt",
    leaderOnly: false,
    start: () => void readSaltUntilFound(manager.client, options.saltSecret, state, options.logger, saltReading.signal),
    stop: () => saltReading.abort(),
  });
  const installer = setupProfileInstaller(manager, { store, state, scope, metrics });
  setupPinnedGc(manager, {
    store,
    state,
    collector,
    scope,
    profiles: profileCaches(manager, scope),
    pods,
    intervalMs: options.gcIntervalMs ?? 30_000,
    isReady: installer.isReady,
    metrics,
  });

  // An informer that lost contact keeps retrying on its own; liveness fails only when it has
  // been silent far longer than its watchdog allows, which means the process is wedged.
  // By the monotonic clock: an NTP step must not restart every agent at once.
  manager.addHealthCheck("informers", () => {
    for (const informer of manager.informers()) {
      const silent = informer.stats().silentForMs;
      if (silent !== undefined && silent > 3 * watchdogMs) return "an informer has been silent too long";
    }
    return true;
  });
  return manager;
}
