// The node recorder (opt-in): reads the seccomp audit records of its node, attributes each to
// a container, and reports per recording what the recorded containers called, in one bounded
// SeccompRecordingReport per recording and node, for the recordings with containers on this node
// only, and a bounded number of writes per interval. This file only registers the components with
// the manager; every recorder runs all of them (no leader election).
import { Counter, Gauge } from "prom-client";
import { API_VERSION, RECORDING_KIND, RECORDING_LABEL, RECORDING_REPORT_KIND } from "../api/names.js";
import type { SeccompProfileRecording } from "../api/profile-recording.js";
import { recordingReportName, type SeccompRecordingReport } from "../api/recording-report.js";
import { POD_RESOURCE, RECORDING_REPORT_RESOURCE, RECORDING_RESOURCE } from "../api/resources.js";
import type { ClusterAccess } from "../kube/cluster-access.js";
import { errorMessage, type Logger } from "../kube/logger.js";
import { Manager, type MetricsServing } from "../kube/manager.js";
import { withoutManagedFields, type KubeObject } from "../kube/objects.js";
import { every } from "../kube/periodic.js";
import { operatorVersion } from "../version.js";
import { AuditRecordProcessor } from "./audit-record-processor.js";
import { openAuditSource, type AuditSource, type AuditSourceKind } from "./audit-source.js";
import { ProcessAttribution } from "./process-attribution.js";
import { isRecording, podTargetShape, recordedTargets, type RecordedTarget } from "./recording-targets.js";
import { RecordingTally } from "./recording-tally.js";

export const RECORDER_FIELD_MANAGER = "seccomp-operator-recorder";

export interface RecorderOptions {
  nodeName: string;
  kubeConfig: ClusterAccess;
  logger: Logger;
  healthHost?: string;
  healthPort: number;
  /** /metrics: its address and who may read it. */
  metrics: MetricsServing;
  source: AuditSourceKind | "auto";
  auditLogPath: string;
  /** The host's /proc (its pids are the ones audit records name). */
  procRoot: string;
  /** How often the audit source is read and new processes' cgroups captured. */
  pollMs?: number;
  /** How often changed reports are written. */
  reportIntervalMs?: number;
  /** Report writes per interval, at most; the least recently written changed reports go first. */
  maxReportWrites?: number;
}

const DEFAULT_MAX_REPORT_WRITES = 20;

/** Builds the recorder's manager; `start()` it, `stop()` it on shutdown. */
export function createRecorder(options: RecorderOptions): Manager {
  const { nodeName, logger } = options;
  const manager = new Manager({
    component: "recorder",
    version: operatorVersion(),
    kubeConfig: options.kubeConfig,
    logger,
    identity: nodeName,
    ...(options.healthHost === undefined ? {} : { healthHost: options.healthHost }),
    healthPort: options.healthPort,
    metrics: options.metrics,
  });
  const recordings = manager.cache<SeccompProfileRecording>({ name: "recordings", resource: RECORDING_RESOURCE, transform: withoutManagedFields });
  const pods = manager.cache({ name: "pods", resource: POD_RESOURCE, fieldSelector: `spec.nodeName=${nodeName}`, transform: podTargetShape });

  let targets: Map<string, RecordedTarget> | undefined;
  const tallies = new Map<string, RecordingTally>();
  const seeding = new Map<string, Promise<void>>();
  const currentTargets = () => (targets ??= recordedTargets(pods.list(), recordings.list()));
  const refresh = () => {
    targets = undefined;
    syncTallies();
  };
  for (const informer of [recordings, pods] as const) informer.addHandler({ onAdd: refresh, onUpdate: refresh, onDelete: refresh });

  const client = manager.client;
  const reportRef = (tally: RecordingTally) => {
    const [namespace, recording] = tally.recording.split("/") as [string, string];
    return { ...RECORDING_REPORT_RESOURCE, namespace, name: recordingReportName(recording, nodeName) };
  };
  /**
   * A tally per running recording from the time one of its containers runs on this node (kept
   * until it stops, whatever its pods do): a recording with nothing here costs no write. A
   * restarted recorder first takes in what it reported before.
   */
  function syncTallies(): void {
    const running = new Map(recordings.list().filter(isRecording).map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r.metadata.uid ?? ""]));
    for (const [key, tally] of tallies) {
      if (running.get(key) === tally.recordingUid) continue;
      // The last records go out with the final write.
      void write(tally).finally(() => tallies.delete(key));
    }
    const here = new Set([...currentTargets().values()].map((t) => `${t.recording}\n${t.recordingUid}`));
    for (const [key, uid] of running) {
      if (tallies.get(key)?.recordingUid === uid || !here.has(`${key}\n${uid}`)) continue;
      const tally = new RecordingTally(key, uid);
      tallies.set(key, tally);
      seeding.set(
        key,
        client
          .find<SeccompRecordingReport>(reportRef(tally))
          .then((old) => {
            if (old?.spec.recordingUID === uid) tally.seed(old.spec);
          })
          .catch((error: unknown) => {
            logger.warn("could not read the earlier report", { recording: key, error: errorMessage(error) });
          }),
      );
    }
  }

  const attribution = new ProcessAttribution(options.procRoot);
  const processor = new AuditRecordProcessor({
    attribute: (pid) => attribution.attribute(pid),
    targets: currentTargets,
    tallies: () => tallies,
  });

  const records = new Counter({ name: "seccomp_recorder_records_total", help: "Seccomp audit records of the SCMP_ACT_LOG action read.", registers: [manager.registry] });
  const writes = new Counter({ name: "seccomp_recorder_report_writes_total", help: "Report writes, by result.", labelNames: ["result"], registers: [manager.registry] });
  new Gauge({
    name: "seccomp_recorder_processes_tracked",
    help: "Processes whose container the recorder remembers.",
    registers: [manager.registry],
    collect() {
      this.set(attribution.size);
    },
  });

  const writtenAt = new WeakMap<RecordingTally, number>();
  async function write(tally: RecordingTally): Promise<void> {
    await seeding.get(tally.recording);
    if (!tally.dirty) return;
    tally.dirty = false;
    writtenAt.set(tally, performance.now());
    const source = auditSource?.kind ?? "kernel-log";
    const ref = reportRef(tally);
    const body: SeccompRecordingReport = {
      apiVersion: API_VERSION,
      kind: RECORDING_REPORT_KIND,
      metadata: {
        name: ref.name,
        namespace: ref.namespace,
        labels: { [RECORDING_LABEL]: tally.recording.split("/")[1]! },
        // Deleting the recording deletes its reports.
        ownerReferences: [{ apiVersion: API_VERSION, kind: RECORDING_KIND, name: tally.recording.split("/")[1]!, uid: tally.recordingUid }],
      } as SeccompRecordingReport["metadata"],
      spec: tally.toSpec(nodeName, source, new Date()),
    };
    try {
      await client.apply(RECORDING_REPORT_RESOURCE, body as unknown as KubeObject, { fieldManager: RECORDER_FIELD_MANAGER, force: true });
      writes.inc({ result: "ok" });
    } catch (error) {
      tally.dirty = true;
      writes.inc({ result: "error" });
      throw error;
    }
  }

  let auditSource: AuditSource | undefined;
  let reader: { stop(): Promise<void> } | undefined;
  let writer: { stop(): Promise<void> } | undefined;
  manager.add({
    name: "audit-reader",
    leaderOnly: false,
    start: () => {
      auditSource = openAuditSource(options.source, options.auditLogPath, options.procRoot);
      if (auditSource.warning !== undefined) logger.warn(auditSource.warning, { source: auditSource.kind });
      logger.info("reading seccomp audit records", { source: auditSource.kind, ...(auditSource.kind === "audit-log" ? { path: options.auditLogPath } : {}) });
      syncTallies();
      reader = every(
        options.pollMs ?? 50,
        async () => {
          // Captured while they live, whether or not they log anything yet: the short-lived too.
          if (tallies.size > 0) attribution.scan();
          const before = processor.records;
          processor.process(auditSource!.read());
          records.inc(processor.records - before);
        },
        "reading audit records",
        logger,
      );
      writer = every(
        options.reportIntervalMs ?? 10_000,
        async () => {
          const due = [...tallies.values()]
            .filter((t) => t.dirty)
            .sort((a, b) => (writtenAt.get(a) ?? 0) - (writtenAt.get(b) ?? 0))
            .slice(0, options.maxReportWrites ?? DEFAULT_MAX_REPORT_WRITES);
          const results = await Promise.allSettled(due.map((t) => write(t)));
          const failed = results.find((r) => r.status === "rejected");
          if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
        },
        "writing recording reports",
        logger,
      );
    },
    stop: async () => {
      await reader?.stop();
      await writer?.stop();
      await Promise.allSettled([...tallies.values()].map((t) => write(t)));
      auditSource?.close();
    },
  });
  return manager;
}
