import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { auditSerial, auditType, parseSeccompAuditRecord } from "../profile/seccomp-audit-record.js";
import type { Attribution } from "./process-attribution.js";
import type { RecordedTarget } from "./recording-targets.js";
import type { RecordingTally } from "./recording-tally.js";

/** How long records of a container the pods' status does not name yet are kept for it. */
const PENDING_MS = 30_000;
/** Containers whose records wait for their pod's status at once; more are counted as unattributed. */
const MAX_PENDING_CONTAINERS = 256;

interface Pending {
  since: number;
  calls: Map<string, { architecture: ArchitectureToken | undefined; syscall: string | undefined }>;
}

export interface ProcessorParts {
  attribute: (pid: number) => Attribution;
  /** Container ID to what it is recorded for. */
  targets: () => ReadonlyMap<string, RecordedTarget>;
  /** The tally of each running recording with containers on this node (by `namespace/name`). */
  tallies: () => ReadonlyMap<string, RecordingTally>;
  now?: () => number;
}

/**
 * Turns audit lines into tallies. Every line's serial number is checked for gaps (records the
 * node dropped); each seccomp record of the SCMP_ACT_LOG action is attributed to its process's
 * container: a recorded one is tallied, another container or a host process is not this
 * recorder's business, and a process gone unseen is counted (not named) as unattributed in
 * each recording with containers on this node. A container that started so recently that its pod's status does not name it yet
 * keeps its records for a while, until the status does.
 */
export class AuditRecordProcessor {
  private lastSerial: number | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly now: () => number;
  /** Seccomp records read, for the metrics. */
  records = 0;

  constructor(private readonly parts: ProcessorParts) {
    this.now = parts.now ?? Date.now;
  }

  process(lines: readonly string[]): void {
    const tallies = this.parts.tallies();
    for (const line of lines) {
      // auditd numbers its own DAEMON_* records apart from the kernel's.
      const serial = auditType(line)?.startsWith("DAEMON_") === true ? undefined : auditSerial(line);
      if (serial !== undefined) {
        // One event's records share a serial; a later event's jump past +1 means events were dropped.
        if (this.lastSerial !== undefined && serial > this.lastSerial + 1) for (const t of tallies.values()) t.addLost(serial - this.lastSerial - 1);
        if (this.lastSerial === undefined || serial > this.lastSerial) this.lastSerial = serial;
      }
      if (tallies.size === 0) continue;
      const record = parseSeccompAuditRecord(line);
      if (record === undefined || record.action !== "SCMP_ACT_LOG") continue;
      this.records++;
      const who = this.parts.attribute(record.pid);
      if (who.type === "host") continue;
      if (who.type === "gone") {
        for (const t of tallies.values()) t.addUnattributed();
        continue;
      }
      const target = this.parts.targets().get(who.id);
      if (target !== undefined) this.tally(target, record.architecture, record.syscall);
      else this.hold(who.id, record.architecture, record.syscall);
    }
    this.flushPending();
  }

  /** Pending records go to containers the status now names; expired ones are dropped (not recorded containers). */
  flushPending(): void {
    const targets = this.parts.targets();
    const now = this.now();
    for (const [id, pending] of this.pending) {
      const target = targets.get(id);
      if (target !== undefined) {
        for (const call of pending.calls.values()) this.tally(target, call.architecture, call.syscall);
        this.pending.delete(id);
      } else if (now - pending.since > PENDING_MS) {
        this.pending.delete(id);
      }
    }
  }

  private tally(target: RecordedTarget, architecture: ArchitectureToken | undefined, syscall: string | undefined): void {
    const tally = this.parts.tallies().get(target.recording);
    if (tally !== undefined && tally.recordingUid === target.recordingUid) tally.add(target.container, target.pod, architecture, syscall);
  }

  private hold(id: string, architecture: ArchitectureToken | undefined, syscall: string | undefined): void {
    let pending = this.pending.get(id);
    if (pending === undefined) {
      if (this.pending.size >= MAX_PENDING_CONTAINERS) {
        for (const t of this.parts.tallies().values()) t.addUnattributed();
        return;
      }
      this.pending.set(id, (pending = { since: this.now(), calls: new Map() }));
    }
    pending.calls.set(`${architecture}/${syscall}`, { architecture, syscall });
  }
}
