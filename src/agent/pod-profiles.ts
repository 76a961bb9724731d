import { NODE_PROFILE_ROOT } from "../api/names.js";

/** A pinned file a pod refers to: `operator/<namespace>/<name>/<hash>.json`. */
export interface PinnedRef {
  namespace: string;
  name: string;
  hash: string;
}

/** `operator/<namespace>/<name>.json` (stable) or `operator/<namespace>/<name>/<hash>.json` (pinned). */
const PROFILE_PATH = new RegExp(`^${NODE_PROFILE_ROOT}/([a-z0-9-]+)/([a-z0-9.-]+?)(?:\\.json|/([a-f0-9]{64})\\.json)$`);

interface SeccompProfileField {
  type?: string;
  localhostProfile?: string;
}
interface WithSecurityContext {
  securityContext?: { seccompProfile?: SeccompProfileField };
}
interface PodLike {
  status?: { phase?: string };
  spec?: WithSecurityContext & {
    containers?: WithSecurityContext[];
    initContainers?: WithSecurityContext[];
    ephemeralContainers?: WithSecurityContext[];
  };
}

/**
 * The `localhostProfile` paths a pod uses, at pod and container level. A pod that has finished
 * (Succeeded or Failed, e.g. evicted) starts no container again, so it uses none.
 */
export function localhostProfilesOf(pod: unknown): string[] {
  const { spec, status } = pod as PodLike;
  if (spec === undefined || status?.phase === "Succeeded" || status?.phase === "Failed") return [];
  const out = new Set<string>();
  const add = (holder: WithSecurityContext | undefined) => {
    const field = holder?.securityContext?.seccompProfile;
    if (field?.type === "Localhost" && typeof field.localhostProfile === "string") out.add(field.localhostProfile);
  };
  add(spec);
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) for (const c of list ?? []) add(c);
  return [...out];
}

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
