import type { NodeReport } from "../../api/node-status.js";

export interface NodeStatusView {
  node: string;
  report: NodeReport | undefined;
  /**
   * When this controller saw the heartbeat change, by its own clock: a node whose clock is off
   * would otherwise look dead (or alive) for as long as it is off. The report's own time is
   * used when absent.
   */
  seenAt?: number;
}

export interface Aggregate {
  /** Live nodes that report `hash` installed. */
  installed: number;
  /** Live nodes: agents whose heartbeat is recent. */
  total: number;
  failing: { node: string; reason: string }[];
  /** Live nodes that have not installed the hash yet, without a failure. */
  waiting: string[];
  /** Nodes whose agent stopped reporting; they neither count nor block. */
  stale: string[];
}

/**
 * Where one profile's current hash is installed, from the per-node reports. A node counts
 * while its agent's heartbeat is younger than `staleAfterMs`; a node without a live agent
 * cannot install anything, so it is listed, not waited for (the documented policy).
 */
export function aggregate(key: string, hash: string | undefined, nodes: readonly NodeStatusView[], now: number, staleAfterMs: number): Aggregate {
  const out: Aggregate = { installed: 0, total: 0, failing: [], waiting: [], stale: [] };
  for (const { node, report, seenAt } of nodes) {
    const heartbeat = seenAt ?? (report?.heartbeatTime === undefined ? NaN : Date.parse(report.heartbeatTime));
    if (!(now - heartbeat < staleAfterMs)) {
      out.stale.push(node);
      continue;
    }
    out.total++;
    const installedHash = report?.profiles?.[key];
    const failure = report?.failures?.find((f) => f.profile === key);
    if (hash !== undefined && installedHash === hash) out.installed++;
    else if (failure !== undefined) out.failing.push({ node, reason: failure.reason });
    else out.waiting.push(node);
  }
  out.failing.sort((a, b) => (a.node < b.node ? -1 : 1));
  out.waiting.sort();
  out.stale.sort();
  return out;
}

/** Whether the nodes' view of one profile changed between two reports of a node. */
export function reportChangedFor(key: string, before: NodeReport | undefined, after: NodeReport | undefined): boolean {
  if (before?.profiles?.[key] !== after?.profiles?.[key]) return true;
  const a = before?.failures?.find((f) => f.profile === key);
  const b = after?.failures?.find((f) => f.profile === key);
  return a?.reason !== b?.reason || a?.hash !== b?.hash;
}

/** The profile keys whose per-node state differs between two reports of one node. */
export function changedKeys(before: NodeReport | undefined, after: NodeReport | undefined): Set<string> {
  const keys = new Set<string>([
    ...Object.keys(before?.profiles ?? {}),
    ...Object.keys(after?.profiles ?? {}),
    ...(before?.failures ?? []).map((f) => f.profile),
    ...(after?.failures ?? []).map((f) => f.profile),
  ]);
  for (const key of keys) if (!reportChangedFor(key, before, after)) keys.delete(key);
  return keys;
}
