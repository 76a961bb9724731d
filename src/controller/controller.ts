// The controller: profile status and finalizers, node aggregation, and the workloads that use
// profiles. Every replica keeps its caches and indexes warm; only the leader reconciles. This
// file only registers the components with the manager: what each one watches is declared in
// its setup function.
import { Gauge } from "prom-client";
import type { ClusterAccess } from "../kube/cluster-access.js";
import type { Logger } from "../kube/logger.js";
import { Manager, type MetricsServing } from "../kube/manager.js";
import { admissionSkipReporter } from "./admission/admission-skips.js";
import { setupAdmissionWebhook, type AdmissionWebhookSetup } from "./admission/admission-webhook.js";
import { operatorVersion } from "../version.js";
import { NODE_STATUSES, PROFILES } from "./controller-caches.js";
import { EventRecorder } from "./event-recorder.js";
import { setupNodeLiveness } from "./nodes/node-liveness.js";
import { setupProfileNotAppliedReporter } from "./pods/profile-not-applied-reporter.js";
import { setupSeccompContainersMetric } from "./pods/seccomp-containers-metric.js";
import { ProfileCompiles } from "./profiles/profile-compiles.js";
import { ProfileGate } from "./profiles/profile-gate.js";
import { setupProfileReconciler } from "./profiles/profile-reconciler.js";
import type { DigestSalt } from "../api/digest-salt.js";
import { ProfileHashes } from "./profiles/profile-hashes.js";
import { setupProfileRevisions } from "./profiles/profile-revisions.js";
import { ReadinessIndex } from "./profiles/readiness-index.js";
import { setupRecordingReconciler } from "./recordings/recording-reconciler.js";
import { setupStartFailureIndex } from "./profiles/start-failure-index.js";
import { setupUsageIndex } from "./workloads/usage-index.js";
import { setupWorkloadReconciler } from "./workloads/workload-reconciler.js";

export interface ControllerOptions {
  /** The cluster's digest salt (ensureDigestSalt), to read the nodes' digests. */
  digestSalt: DigestSalt;
  kubeConfig: ClusterAccess;
  logger: Logger;
  catalogueNamespace: string;
  /** This replica's name, for the Lease and for Events. */
  identity: string;
  /** Where the Lease lives; no leader election when undefined (a single replica). */
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** A node agent silent for this long no longer counts (default 90 s: three missed heartbeats). */
  staleAfterMs?: number;
  workers?: number;
  healthHost?: string;
  healthPort: number;
  /** /metrics: its address and who may read it. */
  metrics: MetricsServing;
  resyncMs?: number;
  /** Called when leadership is lost: the process must exit so a fresh one campaigns again. */
  onLostLeadership?: () => void;
  /** Serve the mutating admission webhook (every replica) and keep its configuration (leader). */
  webhook?: Omit<AdmissionWebhookSetup, "lookup">;
}

/** Builds the controller's manager; `start()` it, `stop()` it on shutdown. */
export function createController(options: ControllerOptions): Manager {
  const { catalogueNamespace } = options;
  const staleAfterMs = options.staleAfterMs ?? 90_000;
  const manager = new Manager({
    component: "controller",
    version: operatorVersion(),
    kubeConfig: options.kubeConfig,
    logger: options.logger,
    identity: options.identity,
    ...(options.healthHost === undefined ? {} : { healthHost: options.healthHost }),
    healthPort: options.healthPort,
    metrics: options.metrics,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.leaseNamespace === undefined
      ? {}
      : {
          leaderElection: {
            namespace: options.leaseNamespace,
            name: options.leaseName ?? "seccomp-operator-controller",
            ...(options.leaseDurationMs ? { leaseDurationMs: options.leaseDurationMs } : {}),
            ...(options.renewDeadlineMs ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
            ...(options.retryPeriodMs ? { retryPeriodMs: options.retryPeriodMs } : {}),
          },
        }),
    ...(options.onLostLeadership === undefined ? {} : { onLostLeadership: options.onLostLeadership }),
  });

  const profiles = manager.cache(PROFILES);
  const readiness = new ReadinessIndex();
  const usage = setupUsageIndex(manager, catalogueNamespace);
  const liveness = setupNodeLiveness(manager, { staleAfterMs });
  const events = new EventRecorder(manager.client, { controller: "seccomp.operator.dev/controller", instance: options.identity, logger: options.logger });
  const compiles = new ProfileCompiles({ profiles, catalogueNamespace, registry: manager.registry });
  const hashes = new ProfileHashes(profiles, compiles, options.digestSalt);
  const revisions = setupProfileRevisions(manager);
  const gate = new ProfileGate({
    profiles,
    hashes,
    compiles,
    nodeStatuses: manager.cache(NODE_STATUSES),
    heartbeatAge: (node) => liveness.heartbeatAge(node),
    catalogueNamespace,
    staleAfterMs,
  });
  const startFailures = setupStartFailureIndex(manager, catalogueNamespace);
  setupProfileReconciler(manager, { catalogueNamespace, gate, hashes, revisions, usage, startFailures, readiness, liveness, events });
  const onApplied = options.webhook === undefined ? undefined : admissionSkipReporter(manager.registry, events, (key, hash) => readiness.readySince(key, hash));
  setupWorkloadReconciler(manager, { usage, readiness, lookup: gate.lookup, events, ...(onApplied === undefined ? {} : { onApplied }) });
  if (options.webhook !== undefined) setupAdmissionWebhook(manager, { ...options.webhook, lookup: gate.lookup });
  setupSeccompContainersMetric(manager);
  setupProfileNotAppliedReporter(manager, events);
  setupRecordingReconciler(manager, { gate, catalogueNamespace, events });

  new Gauge({
    name: "seccomp_controller_leader",
    help: "1 while this replica leads.",
    registers: [manager.registry],
    collect() {
      this.set(manager.isLeader ? 1 : 0);
    },
  });
  return manager;
}
