/** The parts of a SeccompProfile object that inheritance depends on. */
export interface ProfileRef {
  metadata?: { namespace?: string; name?: string };
  spec?: { baseProfileName?: string };
}

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
      if (otherNamespace !== namespace && namespace !== catalogueNamespace) continue;
      const key = `${otherNamespace}/${other.metadata?.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(other);
      queue.push(other);
    }
  }
  return out;
}
