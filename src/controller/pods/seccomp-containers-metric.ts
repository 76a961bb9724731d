// `seccomp_containers{namespace,profile_type}`: how many containers of live pods run under each
// kind of seccomp profile, by the rules the `report` command uses (container-seccomp.ts), kept
// from the shared pod cache's events. Only the leader exports it, so that summing over the
// replicas' series counts each container once.
import { Gauge } from "prom-client";
import { PROFILE_TYPES, podSeccompOf, type ProfileType } from "../../api/container-seccomp.js";
import type { Manager } from "../../kube/manager.js";
import type { KubeObject } from "../../kube/objects.js";
import { PODS } from "../controller-caches.js";

/**
 * Containers per namespace and profile type, counted as pods come, change and go: classifying
 * every pod at each scrape took half a second of the event loop at 50,000 pods. Every type of a
 * namespace with pods is present, zeros included; a namespace goes with its last pod.
 */
export class ContainerCounts {
  private readonly namespaces = new Map<string, { pods: number; counts: Record<ProfileType, number> }>();

  /** Counts a pod in (`sign` 1) or out (-1): out with the state it was counted in with. */
  count(pod: KubeObject, sign: 1 | -1): void {
    const namespace = pod.metadata?.namespace ?? "";
    let row = this.namespaces.get(namespace);
    if (row === undefined) this.namespaces.set(namespace, (row = { pods: 0, counts: Object.fromEntries(PROFILE_TYPES.map((t) => [t, 0])) as Record<ProfileType, number> }));
    row.pods += sign;
    const seccomp = podSeccompOf(pod);
    if (seccomp.ignored === undefined) for (const c of seccomp.containers) row.counts[c.type] += sign;
    if (row.pods === 0) this.namespaces.delete(namespace);
  }

  rows(): ReadonlyMap<string, Readonly<Record<ProfileType, number>>> {
    return new Map([...this.namespaces].map(([namespace, row]) => [namespace, row.counts]));
  }
}

export function setupSeccompContainersMetric(manager: Manager): void {
  const counts = new ContainerCounts();
  manager.cache(PODS).addHandler({
    onAdd: (pod) => counts.count(pod, 1),
    onUpdate: (old, pod) => {
      counts.count(old, -1);
      counts.count(pod, 1);
    },
    onDelete: (pod) => counts.count(pod, -1),
  });
  new Gauge({
    name: "seccomp_containers",
    help: "Containers of live pods by namespace and effective seccomp profile type (unconfined, runtime-default, localhost-operator, localhost-other); exported by the leader.",
    labelNames: ["namespace", "profile_type"],
    registers: [manager.registry],
    collect() {
      // Namespaces without pods disappear instead of staying at their last counts.
      this.reset();
      if (!manager.isLeader) return;
      for (const [namespace, row] of counts.rows()) {
        for (const type of PROFILE_TYPES) this.set({ namespace, profile_type: type }, row[type]);
      }
    },
  });
}
