// Pods that asked for a profile and run without it (api/profile-not-applied.ts): the webhook was
// skipped at their creation, any kind of pod (bare pods and Jobs' pods included, whose seccomp
// fields nothing can change later). Each is reported by an Event on the pod (Warning
// ProfileNotApplied, once per pod and message in the recorder's window) and counted in
// `seccomp_profile_not_applied_containers{namespace}`; the leader does both, so that the
// series and the Events come once.
import { Gauge } from "prom-client";
import { controllingJob, profileNotApplied } from "../../api/profile-not-applied.js";
import type { Manager } from "../../kube/manager.js";
import { objectKey, type KubeObject } from "../../kube/objects.js";
import { PODS, workloadCache } from "../controller-caches.js";
import type { EventRecorder } from "../event-recorder.js";

export const ProfileNotApplied = "ProfileNotApplied";

export function setupProfileNotAppliedReporter(manager: Manager, events: Pick<EventRecorder, "warn">): void {
  const pods = manager.cache(PODS);
  const jobs = manager.cache(workloadCache("Job"));
  // Pods whose controlling Job was not in the cache yet when they came (the two watches deliver
  // in any order), by the Job's key: the Job's arrival counts and reports them again.
  const awaitingJob = new Map<string, Set<string>>();
  const missing = (pod: KubeObject) => {
    const job = controllingJob(pod);
    if (job === undefined) return profileNotApplied(pod, undefined);
    const jobKey = `${pod.metadata?.namespace ?? ""}/${job}`;
    const found = jobs.get(jobKey);
    if (found === undefined) awaitingJob.set(jobKey, (awaitingJob.get(jobKey) ?? new Set<string>()).add(objectKey(pod)));
    return profileNotApplied(pod, found);
  };
  // Containers per namespace, kept as pods come, change and go (as seccomp_containers is); each
  // pod counted out with what it was counted in with, whatever its Job's annotations became.
  const counted = new Map<string, { namespace: string; n: number }>();
  const counts = new Map<string, number>();
  const add = (namespace: string, n: number) => {
    const total = (counts.get(namespace) ?? 0) + n;
    if (total === 0) counts.delete(namespace);
    else counts.set(namespace, total);
  };
  /** Takes a pod's containers out of the counts, as they were counted in. */
  const forget = (key: string) => {
    const before = counted.get(key);
    if (before !== undefined) add(before.namespace, -before.n);
    counted.delete(key);
  };
  const count = (pod: KubeObject) => {
    const key = objectKey(pod);
    forget(key);
    const n = missing(pod).length;
    if (n === 0) return;
    counted.set(key, { namespace: pod.metadata?.namespace ?? "", n });
    add(pod.metadata?.namespace ?? "", n);
  };
  const uncount = (pod: KubeObject) => {
    const key = objectKey(pod);
    const job = controllingJob(pod);
    if (job !== undefined) {
      const jobKey = `${pod.metadata?.namespace ?? ""}/${job}`;
      awaitingJob.get(jobKey)?.delete(key);
      if (awaitingJob.get(jobKey)?.size === 0) awaitingJob.delete(jobKey);
    }
    forget(key);
  };
  const report = (pod: KubeObject) => {
    if (!manager.isLeader) return;
    const containers = missing(pod);
    if (containers.length === 0) return;
    const { namespace = "", name = "", uid } = pod.metadata ?? {};
    events.warn(
      { apiVersion: "v1", kind: "Pod", namespace, name, ...(uid === undefined ? {} : { uid }) },
      ProfileNotApplied,
      `container ${containers.join(", ")} asked for a seccomp profile by annotation but runs without the operator's: admission did not set it when the pod was created (the webhook was not called, or failed open), and a pod's seccomp profile cannot change; recreate the pod`,
    );
  };
  pods.addHandler({
    onAdd: (pod) => {
      count(pod);
      report(pod);
    },
    onUpdate: (_, pod) => count(pod),
    onDelete: uncount,
  });
  jobs.addHandler({
    onAdd: (job) => {
      const jobKey = objectKey(job);
      const waiting = awaitingJob.get(jobKey);
      if (waiting === undefined) return;
      awaitingJob.delete(jobKey);
      for (const podKey of waiting) {
        const pod = pods.get(podKey);
        if (pod === undefined) continue;
        count(pod);
        report(pod);
      }
    },
  });
  // Pods already there when this replica came to lead.
  manager.add({ name: "profile-not-applied", leaderOnly: true, start: () => pods.list().forEach(report), stop: () => undefined });
  new Gauge({
    name: "seccomp_profile_not_applied_containers",
    help: "Containers of live pods whose annotations ask for a seccomp profile but that run without the operator's (admission skipped at creation); exported by the leader.",
    labelNames: ["namespace"],
    registers: [manager.registry],
    collect() {
      this.reset();
      if (!manager.isLeader) return;
      for (const [namespace, n] of counts) this.set({ namespace }, n);
    },
  });
}
