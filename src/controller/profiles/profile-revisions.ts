// Keeps a SeccompProfileRevision (the rendered bytes, named by their hash) for every hash a
// profile has or a template still pins, so a node that joins later can install old hashes it
// cannot render from the current spec. Removed two sweeps after nothing needs it.
import { API_VERSION, REVISION_KIND } from "../../api/names.js";
import { REVISION_RESOURCE } from "../../api/resources.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import { isAlreadyExists, isNotFound } from "../../kube/api-error.js";
import { errorMessage } from "../../kube/logger.js";
import type { CacheSpec, Manager } from "../../kube/manager.js";
import { objectKey, type KubeObject } from "../../kube/objects.js";
import { sha256 } from "../../profile/render.js";
import { PROFILES } from "../controller-caches.js";

/** Only names matter to the controller: the content is for the agents. */
export const REVISIONS: CacheSpec = {
  name: "revisions",
  resource: REVISION_RESOURCE,
  transform: (r) => ({ metadata: { name: r.metadata?.name, namespace: r.metadata?.namespace, resourceVersion: r.metadata?.resourceVersion } }),
  resyncPeriodMs: 0,
};

export interface ProfileRevisions {
  /**
   * Makes sure the revision of `hash` exists in `namespace` (a create when the cache lacks it);
   * `content` is asked for only then, and may be undefined when the hash can no longer be rendered.
   */
  ensure(namespace: string, hash: string, content: () => string | undefined, signal?: AbortSignal): Promise<void>;
}

export function setupProfileRevisions(manager: Manager, options: { sweepMs?: number } = {}): ProfileRevisions {
  const revisions = manager.cache(REVISIONS);
  const profiles = manager.cache(PROFILES);
  let unneeded = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  /** Two sweeps apart, so a hash written into a template just now is seen before its revision goes. */
  const sweep = () => {
    const needed = new Set<string>();
    for (const p of profiles.list() as SeccompProfile[]) {
      const ns = p.metadata.namespace ?? "";
      if (p.status?.hash !== undefined) needed.add(`${ns}/${p.status.hash}`);
      for (const h of p.status?.hashesInUse ?? []) needed.add(`${ns}/${h}`);
    }
    const now = new Set<string>();
    for (const r of revisions.list()) {
      const key = objectKey(r);
      if (needed.has(key)) continue;
      now.add(key);
      if (!unneeded.has(key)) continue;
      const [namespace, name] = key.split("/") as [string, string];
      manager.client
        .delete({ ...REVISION_RESOURCE, namespace, name })
        .catch((error: unknown) => isNotFound(error) || manager.logger.warn("cannot remove an unused profile revision", { key, error: errorMessage(error) }));
    }
    unneeded = now;
  };

  manager.add({
    name: "revision-sweep",
    leaderOnly: true,
    start: () => {
      timer = setInterval(sweep, options.sweepMs ?? 5 * 60_000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  });

  return {
    async ensure(namespace, hash, content, signal) {
      if (revisions.get(`${namespace}/${hash}`) !== undefined) return;
      const bytes = content();
      // The profile changed meanwhile: its reconcile for the new version will keep that one.
      if (bytes === undefined || sha256(bytes) !== hash) return;
      const body: KubeObject = { apiVersion: API_VERSION, kind: REVISION_KIND, metadata: { name: hash, namespace }, spec: { hash, content: bytes } } as KubeObject;
      try {
        await manager.client.create({ ...REVISION_RESOURCE, namespace }, body, signal === undefined ? {} : { signal });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    },
  };
}
