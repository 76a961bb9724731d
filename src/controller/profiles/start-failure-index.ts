// Which containers each profile stopped from running, kept on every replica from pod events.
import { Signal, type Manager } from "../../kube/manager.js";
import { objectKey, type KubeObject } from "../../kube/objects.js";
import { PODS } from "../controller-caches.js";
import { startFailuresOf, type StartFailure } from "./start-failures.js";

export class StartFailureIndex {
  /** profile key -> pod key -> that pod's failures under the profile. */
  private readonly byProfile = new Map<string, Map<string, StartFailure[]>>();
  private readonly profilesOfPod = new Map<string, Set<string>>();

  /** The profile keys whose failures changed, after each pod event. */
  readonly changed = new Signal<Set<string>>();

  /** Replaces one pod's failures (none when the pod is gone); returns the profile keys affected. */
  setPod(pod: string, failures: readonly StartFailure[]): Set<string> {
    const changed = new Set<string>();
    const now = new Map<string, StartFailure[]>();
    for (const f of failures) now.set(f.profile, [...(now.get(f.profile) ?? []), f]);
    for (const profile of this.profilesOfPod.get(pod) ?? []) {
      if (now.has(profile)) continue;
      const pods = this.byProfile.get(profile);
      pods?.delete(pod);
      if (pods?.size === 0) this.byProfile.delete(profile);
      changed.add(profile);
    }
    for (const [profile, list] of now) {
      let pods = this.byProfile.get(profile);
      if (pods === undefined) this.byProfile.set(profile, (pods = new Map()));
      if (JSON.stringify(pods.get(pod)) !== JSON.stringify(list)) changed.add(profile);
      pods.set(pod, list);
    }
    if (now.size === 0) this.profilesOfPod.delete(pod);
    else this.profilesOfPod.set(pod, new Set(now.keys()));
    return changed;
  }

  /** Every failure under the profile `namespace/name`, by pod then container. */
  failuresOf(profile: string): StartFailure[] {
    const pods = this.byProfile.get(profile);
    if (pods === undefined) return [];
    return [...pods.keys()].sort().flatMap((pod) => pods.get(pod)!);
  }
}

/** Feeds the index from the pod cache; the profile reconciler watches `changed`. */
export function setupStartFailureIndex(manager: Manager, catalogueNamespace: string): StartFailureIndex {
  const index = new StartFailureIndex();
  const podEvent = (pod: KubeObject, gone: boolean) => {
    const changed = index.setPod(objectKey(pod), gone ? [] : startFailuresOf(pod, catalogueNamespace));
    if (changed.size > 0) index.changed.emit(changed);
  };
  manager.cache(PODS).addHandler({ onAdd: (p) => podEvent(p, false), onUpdate: (_o, p) => podEvent(p, false), onDelete: (p) => podEvent(p, true) });
  return index;
}
