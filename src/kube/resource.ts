// REST paths of the Kubernetes API: `/api/v1/...` for the core group,
// `/apis/<group>/<version>/...` for every other one.

/** A kind of resource, as the API serves it. */
export interface Resource {
  /** "" for the core group (pods, configmaps, ...). */
  group: string;
  version: string;
  /** Lower-case plural, as in the URL: "configmaps", "seccompprofiles". */
  plural: string;
}

/** One collection (no name) or one object (with name) of a resource. */
export interface ResourceRef extends Resource {
  /** Omitted for cluster-scoped resources and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  /** "status", "scale", ...; only with a name. */
  subresource?: string;
}

export function apiVersionOf(resource: Resource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

export function resourcePath(ref: ResourceRef): string {
  const segments = [ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`];
  if (ref.namespace) segments.push("namespaces", encodeURIComponent(ref.namespace));
  segments.push(ref.plural);
  if (ref.name !== undefined) {
    if (ref.name === "") throw new Error(`an empty name for ${ref.plural}`);
    segments.push(encodeURIComponent(ref.name));
    if (ref.subresource) segments.push(ref.subresource);
  } else if (ref.subresource) {
    throw new Error(`subresource ${ref.subresource} of ${ref.plural} needs a name`);
  }
  return segments.join("/");
}

/** A query string from the defined values, with a leading "?" when not empty. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
