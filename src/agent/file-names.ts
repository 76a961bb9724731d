/**
 * Names of what the node agent writes below `<kubelet root>/seccomp`. Every component is
 * checked against a strict pattern before it becomes part of a path, so no `/`, `..` or
 * leading dot can reach the file system and no path can leave the agent's folder.
 */
import { pinnedLocalhostPath, stableLocalhostPath } from "../api/node-paths.js";
import { MAX_PROFILE_NAME_LENGTH, NODE_PROFILE_ROOT } from "../api/names.js";
import { DNS_SUBDOMAIN_PATTERN } from "../api/profile-spec.js";

export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_NAMESPACE_LENGTH = 63;
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
export const PROFILE_SUFFIX = ".json";

/** Why `namespace` cannot be a folder name, or undefined when it can. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length === 0) return "namespace is empty";
  if (namespace.length > MAX_NAMESPACE_LENGTH) return `namespace is longer than ${MAX_NAMESPACE_LENGTH} characters`;
  if (!DNS_LABEL_PATTERN.test(namespace)) return "namespace is not a DNS-1123 label";
  return undefined;
}

/** Why `name` cannot be a profile name on disk, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "name is empty";
  if (name.length > MAX_PROFILE_NAME_LENGTH) return `name is longer than ${MAX_PROFILE_NAME_LENGTH} characters`;
  if (!DNS_SUBDOMAIN_PATTERN.test(name)) return "name is not a DNS-1123 subdomain";
  return undefined;
}

/** Why `hash` cannot name a pinned file, or undefined when it can. */
export function hashProblem(hash: string): string | undefined {
  return SHA256_HEX_PATTERN.test(hash) ? undefined : "hash is not 64 lowercase hexadecimal digits";
}

/** Paths relative to the seccomp root, all built from checked components. */
export interface ProfileLayout {
  /** `operator` */
  readonly root: string;
  /** `operator/<namespace>` */
  readonly namespaceDir: string;
  /** `operator/<namespace>/<name>` */
  readonly nameDir: string;
  /** `operator/<namespace>/<name>.json` */
  readonly stable: string;
}

export function profileLayout(namespace: string, name: string): ProfileLayout {
  return {
    root: NODE_PROFILE_ROOT,
    namespaceDir: `${NODE_PROFILE_ROOT}/${namespace}`,
    nameDir: `${NODE_PROFILE_ROOT}/${namespace}/${name}`,
    stable: stableLocalhostPath(namespace, name),
  };
}

export function pinnedPath(namespace: string, name: string, hash: string): string {
  return pinnedLocalhostPath(namespace, name, hash);
}

/** The profile name a stable file stands for, or undefined when `fileName` is not one. */
export function stableFileProfile(fileName: string): string | undefined {
  if (!fileName.endsWith(PROFILE_SUFFIX)) return undefined;
  const name = fileName.slice(0, -PROFILE_SUFFIX.length);
  return nameProblem(name) === undefined ? name : undefined;
}

/** The hash a pinned file stands for, or undefined when `fileName` is not one. */
export function pinnedFileHash(fileName: string): string | undefined {
  if (!fileName.endsWith(PROFILE_SUFFIX)) return undefined;
  const hash = fileName.slice(0, -PROFILE_SUFFIX.length);
  return hashProblem(hash) === undefined ? hash : undefined;
}

/**
 * Temporary files start with a dot, which no DNS name does, so they never collide with a
 * profile. The base is cut so the whole name stays within the 255-byte limit of a file name.
 */
const TEMP_FILE_PATTERN = /^\.[a-z0-9][-a-z0-9.]*\.[0-9a-f]{16}\.tmp$/;
const MAX_TEMP_BASE_LENGTH = 200;

export function tempFileName(base: string, random: string): string {
  return `.${base.slice(0, MAX_TEMP_BASE_LENGTH)}.${random}.tmp`;
}

export function isTempFileName(fileName: string): boolean {
  return TEMP_FILE_PATTERN.test(fileName);
}

/** The folder part of a relative path; `.` for a top-level entry. */
export function parentOf(relativePath: string): string {
  const slash = relativePath.lastIndexOf("/");
  return slash < 0 ? "." : relativePath.slice(0, slash);
}
