import { mayResolveTo } from "../api/name-resolution.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";

/** The parts of a SeccompProfile that inheritance depends on. */
type ProfileRef = { metadata?: Pick<SeccompProfile["metadata"], "namespace" | "name">; spec?: Pick<SeccompProfile["spec"], "baseProfileName"> };

/**
 * Every profile built on `base`, directly or through other bases, as resolution finds them: a
 * child names its base, which resolves in the child's namespace or in the catalogue namespace.
 * When a base changes, all of these render differently. Cycles end the walk.
 */
export function dependentsOf<T extends ProfileRef>(base: ProfileRef, all: readonly T[], catalogueNamespace: string): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  const queue: ProfileRef[] = [base];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const { namespace, name } = current.metadata ?? {};
    for (const other of all) {
      if (other.spec?.baseProfileName !== name) continue;
      const otherNamespace = other.metadata?.namespace;
      if (!mayResolveTo(otherNamespace ?? "", namespace ?? "", catalogueNamespace)) continue;
      const key = `${otherNamespace}/${other.metadata?.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(other);
      queue.push(other);
    }
  }
  return out;
}
