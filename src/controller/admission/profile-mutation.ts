// What the admission webhook changes in an object as it is created or updated: the same plan
// the workload reconciler applies later (planWorkload, the same gate and the same fields),
// turned into a JSON patch of the incoming object. Pure: the webhook serves, this decides.
import type { AdmissionRequest, JsonPatchOperation } from "../../kube/admission-review.js";
import { pointerSegment } from "../../kube/admission-review.js";
import { parsePinnedPath } from "../../api/node-paths.js";
import type { KubeObject } from "../../kube/objects.js";
import type { ReadinessLookup } from "../profiles/readiness-index.js";
import { WorkloadEventReason } from "../workloads/workload-event-reasons.js";
import { podSpecOf, WORKLOAD_KINDS, WORKLOADS, type ContainerLike, type WorkloadKind } from "../workloads/workload-kinds.js";
import { planWorkload, type DesiredProfile } from "../workloads/workload-plan.js";
import { referencesOf } from "../workloads/workload-references.js";
import { copiesOwnersTemplate } from "../workloads/workload-uses.js";

export type AdmittedKind = WorkloadKind | "Pod";

export interface ProfileMutation {
  kind: AdmittedKind;
  /**
   * mutated: pinned paths set (or released); unchanged: nothing to set (already set, nothing
   * asked, not ours to change); pending: a profile is not installed everywhere yet, so nothing is
   * set (a released path still goes).
   */
  outcome: "mutated" | "unchanged" | "pending";
  patch: JsonPatchOperation[];
  /** For the client (kubectl prints them): what was not set, and why. */
  warnings: string[];
}

/** The kind of a request's resource, if it is one the webhook handles. */
export function admittedKind(kind: AdmissionRequest["kind"]): AdmittedKind | undefined {
  if (kind.group === "" && kind.version === "v1" && kind.kind === "Pod") return "Pod";
  return WORKLOAD_KINDS.find((k) => WORKLOADS[k].apiVersion === `${kind.group}/${kind.version}` && k === kind.kind);
}

export function mutateProfiles(request: AdmissionRequest, readiness: ReadinessLookup): ProfileMutation | undefined {
  const kind = admittedKind(request.kind);
  if (kind === undefined) return undefined;
  const unchanged: ProfileMutation = { kind, outcome: "unchanged", patch: [], warnings: [] };
  const object = request.object;
  if (object === undefined || (request.operation !== "CREATE" && request.operation !== "UPDATE")) return unchanged;
  // A pod's seccomp profile cannot change once it exists; a Job's template neither.
  if (request.operation === "UPDATE" && (kind === "Pod" || !WORKLOADS[kind].templateMutable)) return unchanged;
  const namespace = request.namespace ?? object.metadata?.namespace ?? "";

  // A pod is planned as its own template: a ReplicaSet-shaped view of its spec.
  const planned: WorkloadKind = kind === "Pod" ? "ReplicaSet" : kind;
  const subject: KubeObject =
    kind === "Pod"
      ? { metadata: { namespace, annotations: object.metadata?.annotations ?? {} }, spec: { template: { spec: object.spec } } }
      : { ...object, metadata: { ...object.metadata, namespace } };
  if (kind !== "Pod" && copiesOwnersTemplate(kind, subject)) return unchanged;

  const plan = planWorkload(planned, subject, referencesOf(planned, subject), readiness);
  const warnings = plan.events
    .filter((e) => e.type === "Warning" && e.reason !== WorkloadEventReason.JobTemplateImmutable)
    .map((e) => `${describe(kind)}: ${e.message}`);
  const base = ["", ...(kind === "Pod" ? [] : WORKLOADS[kind].templatePath), "spec"].map(pointerSegment).join("/");
  const released = request.operation === "UPDATE" && request.oldObject !== undefined ? releases(planned, subject, request.oldObject, base) : [];
  const pending = plan.events.filter((e) => e.reason === WorkloadEventReason.Pending);
  if (pending.length > 0) {
    const later =
      kind === "Pod"
        ? "a pod's seccomp profile cannot change once it exists: recreate the pod once the profile is Ready, or run it from a workload, whose template the operator patches"
        : "the operator sets it in the pod template once it is (one more rollout)";
    return { kind, outcome: "pending", patch: released, warnings: [...warnings, ...pending.map((e) => `${describe(kind)}: ${e.message.replace(/; until then.*$/, "")}; ${later}`)] };
  }

  const spec = podSpecOf(planned, subject);
  const patch = [...plan.desired.filter((d) => d.origin === "ready").flatMap((d) => operationsFor(base, spec?.[d.list] ?? [], d)), ...released];
  return { kind, outcome: patch.length > 0 ? "mutated" : "unchanged", patch, warnings };
}

/**
 * A container no annotation names any more, whose profile is still the pinned path of the
 * profile it was named for: the value goes. The webhook set it on the user's request, so the
 * user's field manager owns it too, and the controller's apply alone could not remove it.
 */
function releases(kind: WorkloadKind, object: KubeObject, oldObject: KubeObject, base: string): JsonPatchOperation[] {
  const named = new Set(referencesOf(kind, object).references.map((r) => `${r.init}/${r.container}`));
  const spec = podSpecOf(kind, object);
  const out: JsonPatchOperation[] = [];
  for (const old of referencesOf(kind, oldObject).references) {
    if (named.has(`${old.init}/${old.container}`)) continue;
    const list = old.init ? "initContainers" : "containers";
    const index = (spec?.[list] ?? []).findIndex((c) => c.name === old.container);
    const value = spec?.[list]?.[index]?.securityContext?.seccompProfile;
    const pinned = value?.type === "Localhost" && value.localhostProfile !== undefined ? parsePinnedPath(value.localhostProfile) : undefined;
    if (pinned?.name !== old.profile) continue;
    out.push({ op: "remove", path: `${base}/${list}/${index}/securityContext/seccompProfile` });
  }
  return out;
}

/** Sets one container's seccompProfile to the desired value, unless it already is. */
function operationsFor(base: string, containers: readonly ContainerLike[], d: DesiredProfile): JsonPatchOperation[] {
  const index = containers.findIndex((c) => c.name === d.container);
  if (index < 0) return [];
  const current = containers[index]!.securityContext;
  if (current?.seccompProfile?.type === d.value.type && current?.seccompProfile?.localhostProfile === d.value.localhostProfile) return [];
  const container = `${base}/${d.list}/${index}`;
  if (current === undefined) return [{ op: "add", path: `${container}/securityContext`, value: { seccompProfile: d.value } }];
  return [{ op: "add", path: `${container}/securityContext/seccompProfile`, value: d.value }];
}

function describe(kind: AdmittedKind): string {
  return kind === "Pod" ? "seccomp profile of this pod" : `seccomp profile of this ${kind}'s pod template`;
}
