// How the workload reconciler reports what it did or could not do, as
// Kubernetes Events on the workload. Only the interface lives here: the
// controller supplies the recorder.
import type { WorkloadKind } from "./workload-kinds.js";

/** The workload an Event is about (an ObjectReference). */
export interface WorkloadRef {
  apiVersion: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/**
 * Records an Event. It must neither throw nor block the reconcile, and should
 * aggregate repeats: problems that persist are reported on every reconcile.
 */
export interface WorkloadEvents {
  normal(workload: WorkloadRef, reason: string, message: string): void;
  warn(workload: WorkloadRef, reason: string, message: string): void;
}

export const WorkloadEventReason = {
  /** Normal: new seccompProfile fields in the pod template (a rollout follows). */
  Applied: "ProfileApplied",
  /** Normal: the annotations are gone, and so are the operator's fields. */
  Removed: "ProfileRemoved",
  /** Normal: the profile's current hash is not installed on every node yet; the template is kept. */
  Pending: "ProfilePending",
  Invalid: "ProfileInvalid",
  NotFound: "ProfileNotFound",
  InvalidName: "InvalidProfileName",
  UnknownContainer: "UnknownContainer",
  /** Seccomp does not confine a privileged container. */
  Privileged: "PrivilegedContainer",
  /** The runtime loads the filter before dropping privileges: the profile must allow runc's start-up syscalls. */
  PrivilegeEscalation: "PrivilegeEscalationAllowed",
  /** A Job's pod template cannot change after creation. */
  JobTemplateImmutable: "JobTemplateImmutable",
} as const;
export type WorkloadEventReason = (typeof WorkloadEventReason)[keyof typeof WorkloadEventReason];
