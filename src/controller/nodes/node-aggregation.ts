import { FailureDigest } from "../../api/failure-digest.js";
import { CONTRIBUTION_BYTES, DIGEST_BUCKETS, InstallDigest, xorInto } from "../../api/install-digest.js";
import type { NodeReport } from "../../api/node-status.js";
import { failedSubset } from "./failed-subset.js";

export interface NodeStatusView {
  node: string;
  report: NodeReport | undefined;
  /**
   * How long ago this controller saw the heartbeat change, by its monotonic clock: a node whose
   * clock is off would otherwise look dead (or alive) for as long as it is off, and a step of
   * this one's for as long as the step. The report's own time is used when absent.
   */
  ageMs?: number;
}

/** What the controller expects nodes to have, to read their digests. */
export interface Expectations {
  /** The id of this controller's digest salt: digests under another salt confirm nothing. */
  readonly saltId: string;
  /** The key's bucket under this controller's salt. */
  bucketOf(key: string): number;
  /** Profile keys whose bucket is `bucket`. */
  inBucket(bucket: number): readonly string[];
  /** The hash nodes should have; undefined for an invalid or missing profile (nodes leave it out). */
  expected(key: string): string | undefined;
  /** Hashes the profile had before, newest first. */
  previous(key: string): readonly string[];
  contribution(key: string, hash: string): Uint8Array;
  /** The key's mark in a node's failure record. */
  failureMark(key: string): Uint8Array;
}

export interface AggregateOptions {
  now: number;
  staleAfterMs: number;
  catalogueNamespace: string;
  expect: Expectations;
}

export interface Aggregate {
  /** Live nodes that report `hash` installed. */
  installed: number;
  /** Live nodes: agents whose heartbeat is recent. */
  total: number;
  failing: { node: string; reason: string }[];
  /** Live nodes that have not installed the hash yet, without a failure. */
  waiting: string[];
  /**
   * Of those, the nodes whose agent lists only some of its failures (a node lists 64): the
   * profile may be one it left out, so they may never install it.
   */
  unlisted: string[];
  /**
   * Of those, the nodes whose digests are under another salt than this controller's, or none
   * (their agent has not read the cluster's salt yet): nothing is confirmed on them.
   */
  otherSalt: string[];
  /** Nodes whose agent stopped reporting; they neither count nor block. */
  stale: string[];
}

const digests = new WeakMap<NodeReport, InstallDigest | null>();

/** A report's digests, decoded once per report object. */
function digestOf(report: NodeReport | undefined): InstallDigest | undefined {
  if (report === undefined) return undefined;
  let digest = digests.get(report);
  if (digest === undefined) digests.set(report, (digest = InstallDigest.decode(report.installed?.digests) ?? null));
  return digest ?? undefined;
}

const failureDigests = new WeakMap<NodeReport, FailureDigest | null>();

/** A report's failure record, decoded once per report object; undefined from an agent that writes none. */
function failureDigestOf(report: NodeReport | undefined): FailureDigest | undefined {
  if (report?.failedBuckets === undefined) return undefined;
  let digest = failureDigests.get(report);
  if (digest === undefined) failureDigests.set(report, (digest = FailureDigest.decode(report.failedBuckets) ?? null));
  return digest ?? undefined;
}

/**
 * The profiles of `bucket` (in the node's scope) that the node failed, listed or not; undefined
 * when the record does not say (it names a profile this controller does not know). A report
 * without a record (an older agent) has only its listed failures.
 */
function failedInBucket(report: NodeReport | undefined, bucket: number, o: AggregateOptions): Set<string> | undefined {
  if (report?.failedBuckets === undefined) return new Set((report?.failures ?? []).map((f) => f.profile).filter((k) => o.expect.bucketOf(k) === bucket));
  const record = failureDigestOf(report);
  if (record === undefined) return undefined;
  const keys = o.expect.inBucket(bucket).filter((k) => inScope(report, k.slice(0, k.indexOf("/")), o.catalogueNamespace));
  // Solved once per report and bucket (every profile of the bucket asks), again when the bucket's profiles change.
  let solved = solvedBuckets.get(report);
  if (solved === undefined) solvedBuckets.set(report, (solved = new Map()));
  const id = keys.join("\n");
  const cached = solved.get(bucket);
  if (cached?.keys === id) return cached.failed;
  const failed = failedSubset(keys, (k) => o.expect.failureMark(k), record.bucket(bucket));
  solved.set(bucket, { keys: id, failed });
  return failed;
}

const solvedBuckets = new WeakMap<NodeReport, Map<number, { keys: string; failed: Set<string> | undefined }>>();

/** Whether a node's agent installs the profiles of `namespace`. */
function inScope(report: NodeReport | undefined, namespace: string, catalogueNamespace: string): boolean {
  const only = report?.scope?.namespace;
  return only === undefined || namespace === only || namespace === catalogueNamespace;
}

/**
 * Where one profile's current hash is installed, from the per-node reports. A node counts
 * while its agent's heartbeat is younger than `staleAfterMs`; a node without a live agent
 * cannot install anything, so it is listed, not waited for (the documented policy). A node
 * whose agent does not install the profile's namespace is not counted.
 */
export function aggregate(key: string, hash: string | undefined, nodes: readonly NodeStatusView[], o: AggregateOptions): Aggregate {
  const out: Aggregate = { installed: 0, total: 0, failing: [], waiting: [], unlisted: [], otherSalt: [], stale: [] };
  const namespace = key.slice(0, key.indexOf("/"));
  for (const { node, report, ageMs } of nodes) {
    const age = ageMs ?? (report?.heartbeatTime === undefined ? NaN : o.now - Date.parse(report.heartbeatTime));
    if (!(age < o.staleAfterMs)) {
      out.stale.push(node);
      continue;
    }
    if (!inScope(report, namespace, o.catalogueNamespace)) continue;
    out.total++;
    const failure = report?.failures?.find((f) => f.profile === key);
    const sameSalt = report?.installed?.saltId === o.expect.saltId;
    const failed = failure === undefined && sameSalt ? failedInBucket(report, o.expect.bucketOf(key), o) : undefined;
    if (failure !== undefined) out.failing.push({ node, reason: failure.reason });
    else if (!sameSalt) {
      out.waiting.push(node);
      out.otherSalt.push(node);
    }
    else if (failed?.has(key) === true) out.failing.push({ node, reason: `could not be installed (not listed: the node lists ${report?.failures?.length ?? 0} of its ${(report?.failures?.length ?? 0) + (report?.failuresOmitted ?? 0)} failures; see its agent's log)` });
    else if (hash !== undefined && failed !== undefined && hasInstalled(report, key, hash, failed, o)) out.installed++;
    else {
      out.waiting.push(node);
      if ((report?.failuresOmitted ?? 0) > 0) out.unlisted.push(node);
    }
  }
  out.failing.sort((a, b) => (a.node < b.node ? -1 : 1));
  out.waiting.sort();
  out.unlisted.sort();
  out.otherSalt.sort();
  out.stale.sort();
  return out;
}

/**
 * Whether the node has `key` at `hash`: its bucket equals the one expected with the node's
 * failures (`failed`, all of them) left out, or differs only by one other profile of the bucket
 * the node has not caught up with (absent, or at one of its previous hashes), so that another
 * profile's update or churn does not hide this one.
 */
function hasInstalled(report: NodeReport | undefined, key: string, hash: string, failed: ReadonlySet<string>, o: AggregateOptions): boolean {
  const digest = digestOf(report);
  if (digest === undefined) return false;
  const bucket = o.expect.bucketOf(key);
  const diff = Buffer.from(digest.bucket(bucket));
  xorInto(diff, o.expect.contribution(key, hash));
  const others: string[] = [];
  for (const other of o.expect.inBucket(bucket)) {
    if (other === key || failed.has(other) || !inScope(report, other.slice(0, other.indexOf("/")), o.catalogueNamespace)) continue;
    others.push(other);
    const expected = o.expect.expected(other);
    if (expected !== undefined) xorInto(diff, o.expect.contribution(other, expected));
  }
  if (isZero(diff)) return true;
  const candidate = Buffer.alloc(CONTRIBUTION_BYTES);
  for (const other of others) {
    const expected = o.expect.expected(other);
    const alternatives: (string | undefined)[] = [...o.expect.previous(other)];
    if (expected !== undefined) alternatives.push(undefined);
    for (const alternative of alternatives) {
      candidate.fill(0);
      if (expected !== undefined) xorInto(candidate, o.expect.contribution(other, expected));
      if (alternative !== undefined) xorInto(candidate, o.expect.contribution(other, alternative));
      if (candidate.equals(diff)) return true;
    }
  }
  return false;
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/** The profile keys whose per-node state may differ between two reports of one node: those of changed buckets, failure records and failures. */
export function changedKeys(before: NodeReport | undefined, after: NodeReport | undefined, inBucket: (bucket: number) => readonly string[]): Set<string> {
  const keys = new Set<string>();
  const a = before?.failures ?? [];
  const b = after?.failures ?? [];
  for (const f of a) if (!b.some((g) => g.profile === f.profile && g.reason === f.reason && g.hash === f.hash)) keys.add(f.profile);
  for (const f of b) if (!a.some((g) => g.profile === f.profile && g.reason === f.reason && g.hash === f.hash)) keys.add(f.profile);
  if (before?.installed?.saltId !== after?.installed?.saltId) {
    for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket++) for (const key of inBucket(bucket)) keys.add(key);
  } else if (before?.installed?.digests !== after?.installed?.digests || before?.scope?.namespace !== after?.scope?.namespace) {
    for (const bucket of InstallDigest.changedBuckets(digestOf(before), digestOf(after))) for (const key of inBucket(bucket)) keys.add(key);
  }
  if (before?.failedBuckets !== after?.failedBuckets) {
    for (const bucket of changedFailureBuckets(failureDigestOf(before), failureDigestOf(after))) for (const key of inBucket(bucket)) keys.add(key);
  }
  return keys;
}

/** Buckets whose failure record differs; every bucket when either record is missing. */
function changedFailureBuckets(a: FailureDigest | undefined, b: FailureDigest | undefined): number[] {
  if (a === undefined || b === undefined) return Array.from({ length: DIGEST_BUCKETS }, (_, i) => i);
  const out: number[] = [];
  for (const bucket of new Set([...a.buckets(), ...b.buckets()])) {
    const x = a.bucket(bucket);
    const y = b.bucket(bucket);
    if (x.count !== y.count || !x.xor.equals(y.xor)) out.push(bucket);
  }
  return out;
}
