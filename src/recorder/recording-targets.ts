import { parseProfilePath } from "../api/node-paths.js";
import type { SeccompProfileRecording } from "../api/profile-recording.js";
import type { KubeObject } from "../kube/objects.js";
import { containerIdOfStatus } from "./cgroup-container.js";

/** A container being recorded, as its records are tallied. */
export interface RecordedTarget {
  /** `namespace/name` of the recording. */
  recording: string;
  recordingUid: string;
  container: string;
  /** The pod's uid. */
  pod: string;
}

interface ContainerShape {
  name?: string;
  securityContext?: { seccompProfile?: { type?: string; localhostProfile?: string } };
}
interface PodShape {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { securityContext?: ContainerShape["securityContext"]; containers?: ContainerShape[]; initContainers?: ContainerShape[] };
  status?: { containerStatuses?: { name?: string; containerID?: string }[]; initContainerStatuses?: { name?: string; containerID?: string }[] };
}

/** What the recorder keeps of a pod on its node: identity, seccomp paths, container IDs. */
export function podTargetShape(pod: KubeObject): KubeObject {
  const p = pod as PodShape;
  const keep = (c: ContainerShape) => ({ name: c.name, securityContext: { seccompProfile: c.securityContext?.seccompProfile } });
  const ids = (list: { name?: string; containerID?: string }[] | undefined) => (list ?? []).map((s) => ({ name: s.name, containerID: s.containerID }));
  return {
    metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace, uid: p.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion },
    spec: {
      securityContext: { seccompProfile: p.spec?.securityContext?.seccompProfile },
      containers: (p.spec?.containers ?? []).map(keep),
      initContainers: (p.spec?.initContainers ?? []).map(keep),
    },
    status: { containerStatuses: ids(p.status?.containerStatuses), initContainerStatuses: ids(p.status?.initContainerStatuses) },
  } as KubeObject;
}

/** Whether a recording is running: its containers are (or are moving) under their audit profiles. */
export function isRecording(recording: SeccompProfileRecording): boolean {
  const conditions = recording.status?.conditions ?? [];
  return conditions.some((c) => c.type === "Recording" && c.status === "True") && !conditions.some((c) => c.type === "Completed" && c.status === "True");
}

/**
 * Container ID to the recording it is recorded for: a container counts when it runs under the
 * audit profile a running recording of its namespace made for it (whatever hash of it).
 */
export function recordedTargets(pods: readonly KubeObject[], recordings: readonly SeccompProfileRecording[]): Map<string, RecordedTarget> {
  const byAuditProfile = new Map<string, { recording: SeccompProfileRecording; container: string }>();
  for (const recording of recordings) {
    if (!isRecording(recording)) continue;
    for (const c of recording.status?.containers ?? []) byAuditProfile.set(`${recording.metadata.namespace}/${c.auditProfile}`, { recording, container: c.name });
  }
  const targets = new Map<string, RecordedTarget>();
  if (byAuditProfile.size === 0) return targets;
  for (const object of pods) {
    const pod = object as PodShape;
    const namespace = pod.metadata?.namespace ?? "";
    const specs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    for (const status of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
      const id = containerIdOfStatus(status.containerID);
      if (id === undefined) continue;
      const spec = specs.find((c) => c.name === status.name);
      const field = spec?.securityContext?.seccompProfile ?? pod.spec?.securityContext?.seccompProfile;
      const ref = field?.type === "Localhost" && field.localhostProfile !== undefined ? parseProfilePath(field.localhostProfile) : undefined;
      if (ref === undefined || ref.namespace !== namespace) continue;
      const hit = byAuditProfile.get(`${namespace}/${ref.name}`);
      if (hit === undefined || hit.container !== status.name) continue;
      targets.set(id, { recording: `${namespace}/${hit.recording.metadata.name}`, recordingUid: hit.recording.metadata.uid ?? "", container: hit.container, pod: pod.metadata?.uid ?? "" });
    }
  }
  return targets;
}
