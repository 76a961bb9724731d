// Paths below `<kubelet root>/seccomp` that the agent writes and pods name: built and parsed
// here, so the controller (writing them into workloads) and the agent (collecting unused
// files) agree on one shape.
import { NODE_PROFILE_ROOT } from "./names.js";

/** The stable path a user can write in `localhostProfile` by hand. */
export function stableLocalhostPath(namespace: string, name: string): string {
  return `${NODE_PROFILE_ROOT}/${namespace}/${name}.json`;
}

/** The immutable, content-addressed path the controller writes into workloads. */
export function pinnedLocalhostPath(namespace: string, name: string, hash: string): string {
  return `${NODE_PROFILE_ROOT}/${namespace}/${name}/${hash}.json`;
}


/** A pinned file a pod refers to: `operator/<namespace>/<name>/<hash>.json`. */
export interface PinnedRef {
  namespace: string;
  name: string;
  hash: string;
}

/** `operator/<namespace>/<name>.json` (stable) or `operator/<namespace>/<name>/<hash>.json` (pinned). */
const PROFILE_PATH = new RegExp(`^${NODE_PROFILE_ROOT}/([a-z0-9-]+)/([a-z0-9.-]+?)(?:\\.json|/([a-f0-9]{64})\\.json)$`);

/** Parses a pinned path; undefined for stable paths and paths the operator does not own. */
export function parsePinnedPath(path: string): PinnedRef | undefined {
  const ref = parseProfilePath(path);
  return ref?.hash === undefined ? undefined : (ref as PinnedRef);
}

/** The profile a stable or pinned path belongs to (with the hash for a pinned one); undefined for other paths. */
export function parseProfilePath(path: string): { namespace: string; name: string; hash?: string } | undefined {
  const match = PROFILE_PATH.exec(path);
  if (match === null) return undefined;
  return match[3] === undefined ? { namespace: match[1]!, name: match[2]! } : { namespace: match[1]!, name: match[2]!, hash: match[3] };
}

export function pinnedKey(ref: PinnedRef): string {
  return `${ref.namespace}/${ref.name}/${ref.hash}`;
}
