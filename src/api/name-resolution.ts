// The one rule for what a profile name means: a name (a workload's annotation, a profile's
// baseProfileName) resolves in the namespace it is written in, then in the catalogue
// namespace, whose profiles every tenant may use. A catalogue profile sees only the catalogue.

/** The namespaces searched for a name written in `namespace`, in order. */
export function resolutionOrder(namespace: string, catalogueNamespace: string): string[] {
  return namespace === catalogueNamespace ? [catalogueNamespace] : [namespace, catalogueNamespace];
}

/** The first namespace in resolution order where `exists` holds, with the `namespace/name` key. */
export function resolveName<T>(
  namespace: string,
  name: string,
  catalogueNamespace: string,
  find: (namespace: string, name: string) => T | undefined,
): { namespace: string; key: string; found: T } | undefined {
  for (const ns of resolutionOrder(namespace, catalogueNamespace)) {
    const found = find(ns, name);
    if (found !== undefined) return { namespace: ns, key: `${ns}/${name}`, found };
  }
  return undefined;
}

/** Whether a name written in `from` can resolve to a profile of `target` (ignoring shadowing). */
export function mayResolveTo(from: string, target: string, catalogueNamespace: string): boolean {
  return resolutionOrder(from, catalogueNamespace).includes(target);
}
