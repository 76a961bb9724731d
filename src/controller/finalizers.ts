import type { KubeObject } from "../kube/objects.js";
import type { Resource } from "../kube/resource.js";
import type { RestClient } from "../kube/rest-client.js";

/**
 * Adds a finalizer by server-side apply (a set, so it never conflicts with other writers; the
 * uid makes the apply fail rather than create an empty object if it is gone) and removes it by
 * a JSON patch that first tests it is still where it was seen.
 */
export async function setFinalizer(
  client: RestClient,
  target: { resource: Resource; apiVersion: string; kind: string; fieldManager: string },
  object: KubeObject,
  finalizer: string,
  present: boolean,
  signal: AbortSignal,
): Promise<void> {
  const finalizers = object.metadata?.finalizers ?? [];
  const index = finalizers.indexOf(finalizer);
  if ((index >= 0) === present) return;
  const { namespace, name, uid } = object.metadata!;
  const ref = { ...target.resource, namespace: namespace!, name: name! };
  if (present) {
    await client.apply(ref, { apiVersion: target.apiVersion, kind: target.kind, metadata: { name, namespace, uid, finalizers: [finalizer] } }, { fieldManager: target.fieldManager, signal });
    return;
  }
  await client.jsonPatch(
    ref,
    [
      { op: "test", path: `/metadata/finalizers/${index}`, value: finalizer },
      { op: "remove", path: `/metadata/finalizers/${index}` },
    ],
    { signal },
  );
}
