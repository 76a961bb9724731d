// What every node reported for one recording, united per container. Pure.
import type { SeccompRecordingReport } from "../../api/recording-report.js";
import type { ArchitectureToken } from "../../api/seccomp-vocabulary.js";

export interface MergedContainer {
  syscalls: Map<ArchitectureToken, Set<string>>;
  pods: number;
  nodes: number;
  records: number;
}

export interface MergedReports {
  containers: Map<string, MergedContainer>;
  unattributed: number;
  lost: number;
  /** Nodes whose report counts lost records, sorted. */
  lostNodes: string[];
  nodes: number;
}

/** Reports of this recording (by uid: a report of an earlier recording of the same name is left out). */
export function mergeReports(reports: readonly SeccompRecordingReport[], recordingUid: string): MergedReports {
  const containers = new Map<string, MergedContainer>();
  let unattributed = 0;
  let lost = 0;
  let nodes = 0;
  const lostNodes: string[] = [];
  for (const report of reports) {
    if (report.spec.recordingUID !== recordingUid) continue;
    nodes++;
    unattributed += report.spec.unattributed;
    lost += report.spec.lost;
    if (report.spec.lost > 0) lostNodes.push(report.spec.nodeName);
    for (const c of report.spec.containers) {
      let merged = containers.get(c.name);
      if (merged === undefined) containers.set(c.name, (merged = { syscalls: new Map(), pods: 0, nodes: 0, records: 0 }));
      merged.pods += c.pods;
      merged.nodes++;
      merged.records += c.records;
      for (const { architecture, names } of c.syscalls) {
        let set = merged.syscalls.get(architecture);
        if (set === undefined) merged.syscalls.set(architecture, (set = new Set()));
        for (const name of names) set.add(name);
      }
    }
  }
  return { containers, unattributed, lost, lostNodes: lostNodes.sort(), nodes };
}

/** Distinct (architecture, syscall) pairs. */
export function syscallCount(container: MergedContainer | undefined): number {
  let n = 0;
  for (const names of container?.syscalls.values() ?? []) n += names.size;
  return n;
}

/** Every name recorded, whatever the ABI. */
export function recordedNames(container: MergedContainer | undefined): string[] {
  const out = new Set<string>();
  for (const names of container?.syscalls.values() ?? []) for (const name of names) out.add(name);
  return [...out].sort();
}

/** The ABI most names were recorded on: the node's own, in practice. */
export function nativeArchitecture(container: MergedContainer): ArchitectureToken | undefined {
  let best: ArchitectureToken | undefined;
  for (const [arch, names] of container.syscalls) if (best === undefined || names.size > container.syscalls.get(best)!.size) best = arch;
  return best;
}
