// Containers that asked for an operator profile (the pod's annotations) but run without one: the
// admission webhook did not set it when the pod was created (not called, timed out, failed open)
// and a pod's seccomp fields never change after that, so such a container stays so for its
// whole life. Pure: the controller's metric and Event and the `report` command share it.
import { podSeccompOf } from "./container-seccomp.js";
import { CONTAINER_ANNOTATION_PREFIX, PROFILE_ANNOTATION } from "./names.js";

interface PodLike {
  metadata?: { annotations?: Record<string, string>; ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
}

/** The name of the Job that controls a pod, if one does. */
export function controllingJob(pod: unknown): string | undefined {
  const ref = (pod as PodLike).metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref?.kind === "Job" ? ref.name : undefined;
}

/** The operator's annotations of a pod: all a pod cache needs to keep of them. */
export function profileAnnotationsOf(pod: unknown): Record<string, string> | undefined {
  const entries = Object.entries((pod as PodLike).metadata?.annotations ?? {}).filter(([k]) => k === PROFILE_ANNOTATION || k.startsWith(CONTAINER_ANNOTATION_PREFIX));
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/**
 * The names of the init and regular containers that asked for a profile and do not run an
 * operator's; empty for a finished or Windows pod. Asked: by the pod's own annotations, or, for a
 * Job's pod, by the Job's (`owner`), whose pod template nothing can change after its creation.
 */
export function profileNotApplied(pod: unknown, owner?: unknown): string[] {
  const annotations = profileAnnotationsOf(pod) ?? (owner === undefined ? undefined : profileAnnotationsOf(owner));
  if (annotations === undefined) return [];
  const seccomp = podSeccompOf(pod);
  if (seccomp.ignored !== undefined) return [];
  const asked = (name: string) => annotations[`${CONTAINER_ANNOTATION_PREFIX}${name}`] !== undefined || annotations[PROFILE_ANNOTATION] !== undefined;
  return seccomp.containers.filter((c) => c.kind !== "ephemeral" && asked(c.name) && c.type !== "localhost-operator").map((c) => c.name);
}
