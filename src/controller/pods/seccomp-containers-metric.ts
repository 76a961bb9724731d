// `seccomp_containers{namespace,profile_type}`: how many containers of live pods run under each
// kind of seccomp profile, by the rules the `report` command uses (container-seccomp.ts), read
// from the shared pod cache at scrape time. Only the leader exports it, so that summing over
// the replicas' series counts each container once.
import { Gauge } from "prom-client";
import { PROFILE_TYPES, podSeccompOf, type ProfileType } from "../../api/container-seccomp.js";
import type { Manager } from "../../kube/manager.js";
import type { KubeObject } from "../../kube/objects.js";
import { PODS } from "../controller-caches.js";

/** Containers per namespace and profile type; every type of a namespace with pods is present, zeros included. */
export function countContainers(pods: readonly KubeObject[]): Map<string, Record<ProfileType, number>> {
  const counts = new Map<string, Record<ProfileType, number>>();
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? "";
    let row = counts.get(namespace);
    if (!row) counts.set(namespace, (row = Object.fromEntries(PROFILE_TYPES.map((t) => [t, 0])) as Record<ProfileType, number>));
    const seccomp = podSeccompOf(pod);
    if (seccomp.ignored === undefined) for (const c of seccomp.containers) row[c.type]++;
  }
  return counts;
}

export function setupSeccompContainersMetric(manager: Manager): void {
  const pods = manager.cache(PODS);
  new Gauge({
    name: "seccomp_containers",
    help: "Containers of live pods by namespace and effective seccomp profile type (unconfined, runtime-default, localhost-operator, localhost-other); exported by the leader.",
    labelNames: ["namespace", "profile_type"],
    registers: [manager.registry],
    collect() {
      // Namespaces without pods disappear instead of staying at their last counts.
      this.reset();
      if (!manager.isLeader) return;
      for (const [namespace, row] of countContainers(pods.list())) {
        for (const type of PROFILE_TYPES) this.set({ namespace, profile_type: type }, row[type]);
      }
    },
  });
}
