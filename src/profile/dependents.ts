import { mayResolveTo } from "../api/name-resolution.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";

/** The parts of a SeccompProfile that inheritance depends on. */
type ProfileRef = { metadata?: Pick<SeccompProfile["metadata"], "namespace" | "name">; spec?: Pick<SeccompProfile["spec"], "baseProfileName"> };

/** Profiles that name `name` as their base, in any namespace. */
export type ChildrenNaming<T> = (name: string) => Iterable<T>;

/**
 * Every profile built on `base`, directly or through other bases, as resolution finds them: a
 * child names its base, which resolves in the child's namespace or in the catalogue namespace.
 * When a base changes, all of these render differently. Cycles end the walk. `children` (an
 * index by base name, or a list) keeps this proportional to the dependents, not to all profiles.
 */
export function dependentsOf<T extends ProfileRef>(base: ProfileRef, children: ChildrenNaming<T> | readonly T[], catalogueNamespace: string): T[] {
  const naming: ChildrenNaming<T> = typeof children === "function" ? children : (name) => children.filter((c) => c.spec?.baseProfileName === name);
  const out: T[] = [];
  const seen = new Set<string>();
  const queue: ProfileRef[] = [base];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const { namespace, name } = current.metadata ?? {};
    for (const other of naming(name ?? "")) {
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

/** Profiles by the base name they give, kept current from a cache's events. */
export class BaseNameIndex<T extends ProfileRef> {
  private readonly byBase = new Map<string, Map<string, T>>();

  /** Replaces what is known of one profile; `now` undefined when it is gone. */
  update(before: T | undefined, now: T | undefined): void {
    const key = (p: T) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    const oldBase = before?.spec?.baseProfileName;
    if (before !== undefined && oldBase !== undefined) {
      const set = this.byBase.get(oldBase);
      set?.delete(key(before));
      if (set?.size === 0) this.byBase.delete(oldBase);
    }
    const base = now?.spec?.baseProfileName;
    if (now !== undefined && base !== undefined) {
      let set = this.byBase.get(base);
      if (set === undefined) this.byBase.set(base, (set = new Map()));
      set.set(key(now), now);
    }
  }

  naming(name: string): Iterable<T> {
    return this.byBase.get(name)?.values() ?? [];
  }
}
