import { MAX_REPORTED_NAMES, type RecordingReportSpec, type ReportedContainer } from "../api/recording-report.js";
import { MAX_RECORDED_CONTAINERS } from "../api/profile-recording.js";
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";

/** Pods remembered per container; past this, pods are still recorded but no longer told apart. */
const MAX_PODS_TRACKED = 1024;

interface ContainerTally {
  pods: Set<string>;
  podsOmitted: number;
  records: number;
  unknown: number;
  syscalls: Map<ArchitectureToken, Set<string>>;
}

/**
 * What one node saw of one recording, in memory: distinct syscalls per container and ABI,
 * pods, and counts. Its size is bounded by the syscall tables and the recording's containers,
 * whatever the number of calls.
 */
export class RecordingTally {
  private readonly containers = new Map<string, ContainerTally>();
  unattributed = 0;
  lost = 0;
  /** Changed since the last report write. */
  dirty = true;

  constructor(
    readonly recording: string,
    readonly recordingUid: string,
  ) {}

  add(container: string, pod: string, architecture: ArchitectureToken | undefined, syscall: string | undefined): void {
    let tally = this.containers.get(container);
    if (tally === undefined) {
      if (this.containers.size >= MAX_RECORDED_CONTAINERS) return;
      this.containers.set(container, (tally = { pods: new Set(), podsOmitted: 0, records: 0, unknown: 0, syscalls: new Map() }));
      this.dirty = true;
    }
    tally.records++;
    if (!tally.pods.has(pod)) {
      if (tally.pods.size < MAX_PODS_TRACKED) tally.pods.add(pod);
      else tally.podsOmitted++;
      this.dirty = true;
    }
    if (architecture === undefined || syscall === undefined) {
      tally.unknown++;
      return;
    }
    let names = tally.syscalls.get(architecture);
    if (names === undefined) tally.syscalls.set(architecture, (names = new Set()));
    if (!names.has(syscall) && names.size < MAX_REPORTED_NAMES) {
      names.add(syscall);
      this.dirty = true;
    }
  }

  /**
   * A record of a process gone before its container was known: counted, nothing more. Its name
   * and call may be another namespace's, and must not reach this recording's report.
   */
  addUnattributed(): void {
    this.unattributed++;
    this.dirty = true;
  }

  addLost(count: number): void {
    this.lost += count;
    this.dirty = true;
  }

  /** Unites what an earlier recorder process on this node reported (after a restart). */
  seed(spec: RecordingReportSpec): void {
    for (const c of spec.containers) {
      let tally = this.containers.get(c.name);
      if (tally === undefined) this.containers.set(c.name, (tally = { pods: new Set(), podsOmitted: 0, records: 0, unknown: 0, syscalls: new Map() }));
      tally.records += c.records;
      tally.unknown += c.unknown ?? 0;
      tally.podsOmitted += c.pods;
      for (const { architecture, names } of c.syscalls) {
        let set = tally.syscalls.get(architecture);
        if (set === undefined) tally.syscalls.set(architecture, (set = new Set()));
        for (const name of names) set.add(name);
      }
    }
    this.unattributed += spec.unattributed;
    this.lost += spec.lost;
    this.dirty = true;
  }

  toSpec(nodeName: string, source: RecordingReportSpec["source"], now: Date): RecordingReportSpec {
    const containers: ReportedContainer[] = [...this.containers]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, t]) => ({
        name,
        pods: t.pods.size + t.podsOmitted,
        records: t.records,
        syscalls: ARCHITECTURE_TOKENS.filter((a) => t.syscalls.has(a)).map((architecture) => ({ architecture, names: [...t.syscalls.get(architecture)!].sort() })),
        ...(t.unknown > 0 ? { unknown: t.unknown } : {}),
      }));
    return {
      recording: this.recording.split("/")[1] ?? this.recording,
      recordingUID: this.recordingUid,
      nodeName,
      source,
      containers,
      unattributed: this.unattributed,
      lost: this.lost,
      updateTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
    };
  }
}
