// Reconciles one SeccompProfileRecording (`namespace/name`): while it records, each selected
// container runs under an audit-mode SeccompProfile of its own, set through a per-container
// annotation on its workload, so the same gate, workload patch and admission webhook apply it as
// any profile; when it ends, the nodes' reports are merged into one SeccompProfile per container
// and the workload moves to it or back. Level-triggered: every step checks what is already done.
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { ConditionInput } from "../profiles/condition-merge.js";
import { mergeConditions } from "../profiles/condition-merge.js";
import { resolveName } from "../../api/name-resolution.js";
import {
  API_VERSION,
  CONTAINER_ANNOTATION_PREFIX,
  PROFILE_KIND,
  RECORDING_CONTAINER_LABEL,
  RECORDING_FIELD_MANAGER,
  RECORDING_FINALIZER,
  RECORDING_KIND,
  RECORDING_LABEL,
  RECORDING_ROLE_LABEL,
  FIELD_MANAGER,
} from "../../api/names.js";
import { parsePinnedPath } from "../../api/node-paths.js";
import {
  APPROVE_SWITCH_ANNOTATION,
  durationSeconds,
  MAX_RECORDED_CONTAINERS,
  MAX_RECORDED_WORKLOADS,
  type RecordedContainer,
  type RecordingStatus,
  type SeccompProfileRecording,
} from "../../api/profile-recording.js";
import type { SeccompRecordingReport } from "../../api/recording-report.js";
import { POD_RESOURCE, PROFILE_RESOURCE, RECORDING_REPORT_RESOURCE, RECORDING_RESOURCE } from "../../api/resources.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { ProfileSpec } from "../../api/profile-spec.js";
import { isConflict, isNotFound } from "../../kube/api-error.js";
import type { Informer } from "../../kube/informer.js";
import type { Manager } from "../../kube/manager.js";
import type { KubeObject } from "../../kube/objects.js";
import type { HandlerResult } from "../../kube/work-queue.js";
import { lintSpec } from "../../profile/lint.js";
import { LINT_RULES } from "../../profile/lint-rules.js";
import { recordedSpec } from "../../profile/recorded-profile.js";
import { recordingAuditSpec } from "../../profile/recording-audit-profile.js";
import type { ResolvedSpec } from "../../profile/resolve.js";
import { runtimeNeeds } from "../../profile/runtime-needs.js";
import { PROFILES, workloadCaches } from "../controller-caches.js";
import type { EventRecorder } from "../event-recorder.js";
import { setFinalizer } from "../finalizers.js";
import type { ProfileGate } from "../profiles/profile-gate.js";
import { podSpecOf, WORKLOADS, type ContainerLike, type WorkloadKind } from "../workloads/workload-kinds.js";
import { mergeReports, nativeArchitecture, recordedNames, syscallCount, type MergedReports } from "./report-merge.js";

/** On an audit profile: when its quiet list was last extended. */
const QUIETED_AT_ANNOTATION = "seccomp.operator.dev/quieted-at";
const DEFAULT_QUIET_AFTER_S = 60;

export const RECORDING_REPORTS = { name: "recordingreports", resource: RECORDING_REPORT_RESOURCE } as const;

interface Selected {
  kind: WorkloadKind;
  object: KubeObject;
  containers: { name: string; noNewPrivileges: boolean }[];
}

export interface RecordingReconcilerSetup {
  gate: ProfileGate;
  catalogueNamespace: string;
  events: EventRecorder;
}

/** What a person gives to approve a held switch: it names this completion, so it cannot be given before. */
export function switchApprovalToken(recordingUid: string, completionTime: string): string {
  return createHash("sha256").update(`${recordingUid}\n${completionTime}`).digest("hex").slice(0, 16);
}

/**
 * When a recording is queued (`namespace/name`): it changes; a report of it changes; a
 * workload or profile of its namespace changes (a rollout reached the audit profile, a base
 * changed); and at the times it asked for (its end, its next quiet round).
 */
export function setupRecordingReconciler(manager: Manager, setup: RecordingReconcilerSetup): void {
  const recordings = manager.cache<SeccompProfileRecording>({ name: "recordings", resource: RECORDING_RESOURCE });
  const reports = manager.cache<SeccompRecordingReport>(RECORDING_REPORTS);
  const profiles = manager.cache(PROFILES);
  const workloads = workloadCaches(manager);
  const reconciler = new RecordingReconciler(manager, recordings, reports, profiles, workloads, setup);
  const queue = manager.reconciler({
    name: "recordings",
    leaderOnly: true,
    groupOf: (key) => key.split("/")[0] ?? "",
    reconcile: (key, signal) => reconciler.reconcile(key, signal),
    initialKeys: () => recordings.list().map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
  });
  manager.watch(recordings, queue, ({ object }) => [`${object.metadata.namespace}/${object.metadata.name}`]);
  manager.watch(reports, queue, ({ object }) => [`${object.metadata.namespace}/${object.spec.recording}`]);
  // A completed recording is done with its namespace's profiles and workloads (unless it is being deleted).
  const inNamespace = (namespace: string | undefined) =>
    recordings
      .list()
      .filter((r) => r.metadata.namespace === namespace && (r.metadata.deletionTimestamp !== undefined || !r.status?.conditions?.some((c) => c.type === "Completed" && c.status === "True")))
      .map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
  manager.watch(profiles, queue, ({ object }) => inNamespace(object.metadata?.namespace));
  for (const informer of workloads.values()) manager.watch(informer, queue, ({ object }) => inNamespace(object.metadata?.namespace));
}

export class RecordingReconciler {
  constructor(
    private readonly manager: Manager,
    private readonly recordings: Informer<SeccompProfileRecording>,
    private readonly reports: Informer<SeccompRecordingReport>,
    private readonly profiles: Informer<SeccompProfile>,
    private readonly workloads: Map<WorkloadKind, Informer<KubeObject>>,
    private readonly setup: RecordingReconcilerSetup,
  ) {}

  async reconcile(key: string, signal: AbortSignal): Promise<HandlerResult> {
    const recording = this.recordings.get(key);
    if (recording === undefined) return;
    const { namespace = "", name = "", uid = "" } = recording.metadata;
    const logger = this.manager.logger.child({ key });
    const deleting = recording.metadata.deletionTimestamp !== undefined;
    if (deleting && !(recording.metadata.finalizers ?? []).includes(RECORDING_FINALIZER)) return;
    if (!deleting) await this.setFinalizer(recording, true, signal);

    const now = new Date();
    const generation = recording.metadata.generation ?? 0;
    const previous = recording.status;
    const completed = previous?.conditions?.some((c) => c.type === "Completed" && c.status === "True") ?? false;
    const merged = mergeReports(
      this.reports.list().filter((r) => r.metadata.namespace === namespace && r.spec.recording === name),
      uid,
    );

    const selection = await this.select(recording, signal);
    const base = this.base(recording);
    const status: RecordingStatus = {
      observedGeneration: generation,
      ...(previous?.startTime === undefined ? {} : { startTime: previous.startTime }),
      ...(previous?.completionTime === undefined ? {} : { completionTime: previous.completionTime }),
    };
    const conditions: ConditionInput[] = [];
    const finish = async (result: HandlerResult): Promise<HandlerResult> => {
      status.conditions = mergeConditions(previous?.conditions, conditions, generation, now);
      await this.writeStatus(recording, status, signal);
      if (deleting) await this.setFinalizer(recording, false, signal);
      return result;
    };

    if (typeof selection === "string") {
      conditions.push({ type: "Recording", status: "False", reason: "NoWorkload", message: selection }, { type: "Completed", status: completed ? "True" : "False", reason: completed ? "Completed" : "NotStarted", message: completed ? "the results were written" : selection });
      return finish(deleting ? undefined : { requeueAfter: 60_000 });
    }
    if (typeof base === "string") {
      conditions.push({ type: "Recording", status: "False", reason: "InvalidBase", message: base }, { type: "Completed", status: "False", reason: "NotStarted", message: base });
      return finish(deleting ? undefined : { requeueAfter: 60_000 });
    }
    const containerNames = [...new Set(selection.flatMap((s) => s.containers.map((c) => c.name)))].sort();
    const listed = containerNames.slice(0, MAX_RECORDED_CONTAINERS);
    status.workloads = selection.slice(0, MAX_RECORDED_WORKLOADS).map((s) => `${s.kind}/${s.object.metadata?.name}`);
    if (selection.length > MAX_RECORDED_WORKLOADS || containerNames.length > listed.length) {
      status.omitted = {
        ...(selection.length > MAX_RECORDED_WORKLOADS ? { workloads: selection.length - MAX_RECORDED_WORKLOADS } : {}),
        ...(containerNames.length > listed.length ? { containers: containerNames.length - listed.length } : {}),
      };
    }
    status.unattributed = merged.unattributed;
    status.lost = merged.lost;
    const total = listed.reduce((n, c) => n + syscallCount(merged.containers.get(c)), 0);
    status.summary = `${listed.length} container${listed.length === 1 ? "" : "s"}, ${total} syscalls`;

    const auditName = (container: string) => `${name}-${container}-audit`;
    const resultName = (container: string) => `${name}-${container}`;
    const stopAt = status.startTime !== undefined && recording.spec.duration !== undefined ? Date.parse(status.startTime) + (durationSeconds(recording.spec.duration) ?? 0) * 1000 : undefined;
    const stopping = completed || deleting || recording.spec.stop === true || (stopAt !== undefined && now.getTime() >= stopAt);

    if (!stopping) {
      const taken = listed.map(auditName).filter((p) => this.foreign(namespace, p, name));
      const conflicts = selection.flatMap((s) => s.containers.filter((c) => listed.includes(c.name)).flatMap((c) => this.annotationConflict(s, c.name, [auditName(c.name), resultName(c.name)])));
      if (taken.length > 0 || conflicts.length > 0) {
        const message = [...taken.map((p) => `SeccompProfile ${namespace}/${p} exists and was not made by this recording`), ...conflicts].join("; ");
        conditions.push({ type: "Recording", status: "False", reason: "Conflict", message }, { type: "Completed", status: "False", reason: "NotStarted", message });
        status.containers = listed.map((c) => this.containerStatus(c, merged, auditName(c)));
        return finish({ requeueAfter: 60_000 });
      }
      const quietEveryMs = (recording.spec.quietAfterSeconds ?? DEFAULT_QUIET_AFTER_S) * 1000;
      let nextQuiet: number | undefined;
      for (const container of listed) {
        const due = await this.applyAuditProfile(recording, container, auditName(container), base, merged, quietEveryMs, now, signal);
        if (due !== undefined) nextQuiet = Math.min(nextQuiet ?? due, due);
      }
      for (const s of selection) await this.annotate(s, Object.fromEntries(s.containers.filter((c) => listed.includes(c.name)).map((c) => [c.name, auditName(c.name)])), signal);
      const waiting = selection.filter((s) => s.containers.some((c) => listed.includes(c.name) && this.runs(s, c.name) !== auditName(c.name)));
      status.startTime ??= now.toISOString().replace(/\.\d{3}Z$/, "Z");
      status.containers = listed.map((c) => this.containerStatus(c, merged, auditName(c)));
      conditions.push(
        waiting.length === 0
          ? { type: "Recording", status: "True", reason: "Recording", message: `recording ${listed.join(", ")} of ${status.workloads.join(", ")}` }
          : {
              type: "Recording",
              status: "True",
              reason: "RollingOut",
              message: `waiting for the audit profiles to be installed on every node and in the pod templates of ${waiting.map((s) => `${s.kind}/${s.object.metadata?.name}`).join(", ")}`,
            },
        { type: "Completed", status: "False", reason: "Recording", message: recording.spec.duration === undefined ? "until spec.stop is set or the recording is deleted" : `for ${recording.spec.duration}` },
      );
      const end = stopAt === undefined ? (recording.spec.duration === undefined ? undefined : now.getTime() + (durationSeconds(recording.spec.duration) ?? 0) * 1000) : stopAt;
      const wake = [end, nextQuiet].filter((t): t is number => t !== undefined).map((t) => Math.max(1000, t - now.getTime()));
      return finish(wake.length === 0 ? undefined : { requeueAfter: Math.min(...wake) });
    }

    // Ending: results first, then the workloads move, then the audit profiles go.
    const written: string[] = [];
    const empty: string[] = [];
    const dangerous: string[] = [];
    const results = new Map<string, string>();
    for (const container of listed) {
      const seen = merged.containers.get(container);
      if (seen === undefined || seen.records === 0) {
        empty.push(container);
        continue;
      }
      const target = resultName(container);
      if (this.foreign(namespace, target, name)) {
        conditions.push({ type: "Completed", status: "False", reason: "Conflict", message: `SeccompProfile ${namespace}/${target} exists and was not made by this recording` });
        conditions.push({ type: "Recording", status: "False", reason: "Stopped", message: "the recording ended; its result could not be written" });
        return finish({ requeueAfter: 60_000 });
      }
      if (!completed) {
        const nnp = selection.every((s) => s.containers.find((c) => c.name === container)?.noNewPrivileges ?? true);
        const spec = recordedSpec({
          syscalls: seen.syscalls,
          native: nativeArchitecture(seen) ?? "SCMP_ARCH_X86_64",
          runtimeNeeds: runtimeNeeds("runc", nnp),
          description: `Recorded by SeccompProfileRecording ${namespace}/${name} (container ${container}) from ${seen.pods} pod${seen.pods === 1 ? "" : "s"} on ${seen.nodes} node${seen.nodes === 1 ? "" : "s"}.`,
          ...(base === undefined ? {} : { base: { name: recording.spec.baseProfileName!, spec: base } }),
        });
        await this.applyProfile(namespace, target, name, container, "result", spec, {}, signal);
        for (const d of lintSpec(spec)) if (d.rule === LINT_RULES.dangerousAllowed.id) dangerous.push(`${target} ${d.message} (${d.rule})`);
      }
      written.push(target);
      results.set(container, target);
    }
    status.completionTime ??= now.toISOString().replace(/\.\d{3}Z$/, "Z");
    // Decided whether or not the recording switches: switchToResult set after the end finds it.
    const hold = written.length > 0 ? this.switchHold(recording, completed, merged, dangerous, status.completionTime) : undefined;
    if (hold !== undefined) conditions.push(hold);
    const switching = recording.spec.switchToResult === true && hold?.status !== "True";
    for (const s of selection) {
      const annotations = switching ? Object.fromEntries(s.containers.filter((c) => results.has(c.name)).map((c) => [c.name, results.get(c.name)!])) : {};
      await this.annotate(s, annotations, signal, listed.map(auditName));
    }
    for (const container of listed) await this.deleteProfile(namespace, auditName(container), name, signal);
    status.resultProfiles = written;
    status.containers = listed.map((c) => ({ ...this.containerStatus(c, merged, auditName(c)), ...(results.has(c) ? { resultProfile: results.get(c)! } : {}) }));
    const why = deleting ? "the recording is being deleted" : recording.spec.stop === true ? "spec.stop is true" : `its duration (${recording.spec.duration}) passed`;
    conditions.push({ type: "Recording", status: "False", reason: "Stopped", message: `recording ended: ${why}` });
    if (empty.length > 0 && written.length === 0) {
      conditions.push({
        type: "Completed",
        status: "True",
        reason: "NothingRecorded",
        message: `no node reported any call of ${empty.join(", ")}: is the recorder installed (config/recording), and did the pods run under the audit profiles?`,
      });
    } else {
      const moved = switching
        ? `; the workloads move to them`
        : recording.spec.switchToResult === true && hold?.status === "True"
          ? "; the workloads go back to what they ran before until a person approves the move (condition SwitchHeld)"
          : "; the workloads go back to what they ran before";
      const none = empty.length > 0 ? `; nothing was recorded of ${empty.join(", ")}` : "";
      conditions.push({ type: "Completed", status: "True", reason: "Completed", message: `wrote ${written.join(", ")}${moved}${none}` });
    }
    if (!completed) logger.info("recording completed", { results: written, unattributed: merged.unattributed, lost: merged.lost });
    return finish(undefined);
  }

  /**
   * Whether the move to the results waits (or would wait) for a person. Decided when the results
   * are written (from the reports and the results then); from then on kept in the condition until the
   * recording carries the approval annotation with this completion's token. Unattributed
   * records do not hold it: on a busy node they are mostly other containers' and another tenant
   * could raise them at will; they are in status.unattributed.
   */
  private switchHold(recording: SeccompProfileRecording, completed: boolean, merged: MergedReports, dangerous: readonly string[], completionTime: string): ConditionInput | undefined {
    const { namespace = "", name = "", uid = "" } = recording.metadata;
    const before = recording.status?.conditions?.find((c) => c.type === "SwitchHeld");
    const token = switchApprovalToken(uid, completionTime);
    const target = { apiVersion: API_VERSION, kind: RECORDING_KIND, namespace, name, uid };
    let held: ConditionInput;
    if (!completed) {
      const lostOn = merged.lostNodes.slice(0, 5).join(", ") + (merged.lostNodes.length > 5 ? ` and ${merged.lostNodes.length - 5} more` : "");
      const reasons = [...(merged.lost > 0 ? [`${merged.lost} audit records were lost on ${lostOn}, so the results may lack calls`] : []), ...dangerous];
      if (reasons.length === 0) return { type: "SwitchHeld", status: "False", reason: "Checked", message: "no node lost records and no result allows a call lint calls dangerous" };
      held = {
        type: "SwitchHeld",
        status: "True",
        reason: dangerous.length > 0 ? "DangerousSyscalls" : "LostRecords",
        message: `${reasons.join("; ")}. Read the results; to move the workloads to them: kubectl annotate seccompprofilerecording -n ${namespace} ${name} ${APPROVE_SWITCH_ANNOTATION}=${token}`,
      };
      if (recording.spec.switchToResult === true) this.setup.events.warn(target, "SwitchHeld", held.message);
    } else {
      if (before === undefined || before.status !== "True") return before;
      held = before;
    }
    if (recording.metadata.annotations?.[APPROVE_SWITCH_ANNOTATION] !== token) return held;
    const approved = { type: "SwitchHeld", status: "False" as const, reason: "Approved", message: `held (${held.reason}), then approved by ${APPROVE_SWITCH_ANNOTATION}: the workloads move to the results` };
    if (recording.spec.switchToResult === true) this.setup.events.normal(target, "SwitchApproved", approved.message);
    return approved;
  }

  /** The workloads and containers recorded, or why there are none. */
  private async select(recording: SeccompProfileRecording, signal: AbortSignal): Promise<Selected[] | string> {
    const namespace = recording.metadata.namespace ?? "";
    const found: { kind: WorkloadKind; object: KubeObject }[] = [];
    const ref = recording.spec.workloadRef;
    if (ref !== undefined) {
      const object = this.workloads.get(ref.kind)?.get(`${namespace}/${ref.name}`);
      if (object === undefined) return `spec.workloadRef: no ${ref.kind} ${namespace}/${ref.name}`;
      found.push({ kind: ref.kind, object });
    } else {
      const matchLabels = recording.spec.podSelector?.matchLabels ?? {};
      const labelSelector = Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const pods = await this.manager.client.list<KubeObject>({ ...POD_RESOURCE, namespace }, { labelSelector, signal });
      const seen = new Set<string>();
      for (const pod of pods.items) {
        const owner = this.workloadOwning(namespace, pod);
        if (owner === undefined || seen.has(`${owner.kind}/${owner.object.metadata?.name}`)) continue;
        seen.add(`${owner.kind}/${owner.object.metadata?.name}`);
        found.push(owner);
      }
      if (found.length === 0) return `spec.podSelector: no pod with ${labelSelector} in ${namespace} belongs to a Deployment, StatefulSet, DaemonSet, ReplicaSet or CronJob`;
    }
    const wanted = recording.spec.containers;
    const selected: Selected[] = [];
    for (const { kind, object } of found) {
      const spec = podSpecOf(kind, object);
      const all: ContainerLike[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
      const containers = all
        .filter((c) => typeof c.name === "string" && (wanted === undefined || wanted.includes(c.name)))
        .map((c) => ({ name: c.name as string, noNewPrivileges: c.securityContext?.allowPrivilegeEscalation === false }));
      if (containers.length > 0) selected.push({ kind, object, containers });
    }
    if (selected.length === 0) return `spec.containers: none of ${(wanted ?? []).join(", ")} is a container of ${found.map((f) => `${f.kind}/${f.object.metadata?.name}`).join(", ")}`;
    return selected;
  }

  /** The recordable workload that owns a pod: its controller, or the Deployment of its ReplicaSet, the CronJob of its Job. */
  private workloadOwning(namespace: string, pod: KubeObject): { kind: WorkloadKind; object: KubeObject } | undefined {
    let owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    for (let depth = 0; owner !== undefined && depth < 3; depth++) {
      const kind = owner.kind as WorkloadKind;
      const object = this.workloads.get(kind)?.get(`${namespace}/${owner.name}`);
      if (object === undefined) return undefined;
      const next = object.metadata?.ownerReferences?.find((o) => o.controller);
      if ((kind === "ReplicaSet" && next?.kind === "Deployment") || (kind === "Job" && next?.kind === "CronJob")) {
        owner = next;
        continue;
      }
      return kind === "Job" ? undefined : { kind, object };
    }
    return undefined;
  }

  /** The base's flattened spec; undefined without one; a message when it cannot be used. */
  private base(recording: SeccompProfileRecording): ResolvedSpec | undefined | string {
    const name = recording.spec.baseProfileName;
    if (name === undefined) return undefined;
    const namespace = recording.metadata.namespace ?? "";
    const found = resolveName(namespace, name, this.setup.catalogueNamespace, (ns, n) => this.profiles.get(`${ns}/${n}`));
    if (found === undefined) return `spec.baseProfileName: no SeccompProfile ${name} in ${namespace} or ${this.setup.catalogueNamespace}`;
    const compiled = this.setup.gate.compile(found.found);
    if (!compiled.ok) return `spec.baseProfileName: ${found.key} is invalid: ${compiled.error[0]?.message ?? "see its status"}`;
    return compiled.value.spec;
  }

  /**
   * Creates or updates the container's audit profile. Its quiet list (what goes unlogged) grows
   * by what was recorded, at most once per `quietEveryMs`; returns when the next round is due.
   */
  private async applyAuditProfile(
    recording: SeccompProfileRecording,
    container: string,
    profileName: string,
    base: ResolvedSpec | undefined,
    merged: MergedReports,
    quietEveryMs: number,
    now: Date,
    signal: AbortSignal,
  ): Promise<number | undefined> {
    const namespace = recording.metadata.namespace ?? "";
    const current = this.profiles.get(`${namespace}/${profileName}`);
    const quietedAt = Date.parse(current?.metadata.annotations?.[QUIETED_AT_ANNOTATION] ?? "");
    const currentlyQuiet = new Set((current?.spec.syscalls ?? []).filter((r) => r.action === "SCMP_ACT_ALLOW" && r.args === undefined).flatMap((r) => r.names));
    const recorded = recordedNames(merged.containers.get(container));
    const fresh = recorded.filter((n) => !currentlyQuiet.has(n));
    const due = current === undefined || Number.isNaN(quietedAt) ? now.getTime() : quietedAt + quietEveryMs;
    const quietNow = quietEveryMs > 0 && fresh.length > 0 && now.getTime() >= due;
    const quiet = quietNow ? [...new Set([...currentlyQuiet, ...recorded])] : [...currentlyQuiet];
    const description = `Audit mode of SeccompProfileRecording ${namespace}/${recording.metadata.name}, container ${container}: every call runs; the kernel logs each one not listed here.`;
    const spec = recordingAuditSpec(base, quiet, description);
    if (current !== undefined && !quietNow && isDeepStrictEqual(current.spec, spec)) return quietEveryMs > 0 && fresh.length > 0 ? due : quietEveryMs > 0 ? now.getTime() + quietEveryMs : undefined;
    const stamp = quietNow || current === undefined ? now.toISOString() : (current.metadata.annotations?.[QUIETED_AT_ANNOTATION] ?? now.toISOString());
    await this.applyProfile(namespace, profileName, recording.metadata.name ?? "", container, "audit", spec, { [QUIETED_AT_ANNOTATION]: stamp }, signal);
    return quietEveryMs > 0 ? now.getTime() + quietEveryMs : undefined;
  }

  private async applyProfile(namespace: string, name: string, recording: string, container: string, role: "audit" | "result", spec: ProfileSpec, annotations: Record<string, string>, signal: AbortSignal): Promise<void> {
    const body = {
      apiVersion: API_VERSION,
      kind: PROFILE_KIND,
      metadata: { name, namespace, labels: { [RECORDING_LABEL]: recording, [RECORDING_CONTAINER_LABEL]: container, [RECORDING_ROLE_LABEL]: role }, annotations },
      spec,
    };
    await this.manager.client.apply({ ...PROFILE_RESOURCE, namespace, name }, body, { fieldManager: RECORDING_FIELD_MANAGER, force: true, signal });
  }

  private async deleteProfile(namespace: string, name: string, recording: string, signal: AbortSignal): Promise<void> {
    const current = this.profiles.get(`${namespace}/${name}`);
    if (current === undefined || current.metadata.deletionTimestamp !== undefined || current.metadata.labels?.[RECORDING_LABEL] !== recording) return;
    try {
      await this.manager.client.delete({ ...PROFILE_RESOURCE, namespace, name }, { preconditions: { uid: current.metadata.uid! }, signal });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** A profile of that name exists and another recording (or a user) made it. */
  private foreign(namespace: string, profile: string, recording: string): boolean {
    const current = this.profiles.get(`${namespace}/${profile}`);
    return current !== undefined && current.metadata.labels?.[RECORDING_LABEL] !== recording;
  }

  private annotationConflict(s: Selected, container: string, ours: string[]): string[] {
    const value = s.object.metadata?.annotations?.[`${CONTAINER_ANNOTATION_PREFIX}${container}`];
    if (value === undefined || ours.includes(value)) return [];
    return [`${s.kind}/${s.object.metadata?.name} already asks for profile ${value} for container ${container} (annotation ${CONTAINER_ANNOTATION_PREFIX}${container}); remove it to record`];
  }

  /** The profile name the container's template pins now, if it is the operator's. */
  private runs(s: Selected, container: string): string | undefined {
    const spec = podSpecOf(s.kind, s.object);
    const c = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((x) => x.name === container);
    const path = c?.securityContext?.seccompProfile?.localhostProfile;
    return path === undefined ? undefined : parsePinnedPath(path)?.name;
  }

  /**
   * The recording's own annotations on a workload, exactly these; none releases them, and
   * `released` (its audit profiles) tells whether that is already done, so a replay writes nothing.
   */
  private async annotate(s: Selected, byContainer: Record<string, string>, signal: AbortSignal, released: readonly string[] = []): Promise<void> {
    const annotations = Object.fromEntries(Object.entries(byContainer).map(([c, p]) => [`${CONTAINER_ANNOTATION_PREFIX}${c}`, p]));
    const current = s.object.metadata?.annotations ?? {};
    const unchanged = Object.entries(annotations).every(([k, v]) => current[k] === v);
    const stale = Object.entries(current).some(([k, v]) => k.startsWith(CONTAINER_ANNOTATION_PREFIX) && released.includes(v));
    if (unchanged && (Object.keys(annotations).length > 0 || !stale)) return;
    const { name, namespace, uid } = s.object.metadata ?? {};
    const info = WORKLOADS[s.kind];
    try {
      await this.manager.client.apply({ ...info.resource, namespace: namespace!, name: name! }, { apiVersion: info.apiVersion, kind: s.kind, metadata: { name, namespace, uid, annotations } }, { fieldManager: RECORDING_FIELD_MANAGER, signal });
    } catch (err) {
      // Gone (the uid no longer matches): nothing to annotate.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  private containerStatus(container: string, merged: MergedReports, auditProfile: string): RecordedContainer {
    const seen = merged.containers.get(container);
    return { name: container, syscalls: syscallCount(seen), pods: seen?.pods ?? 0, nodes: seen?.nodes ?? 0, auditProfile };
  }

  private async writeStatus(recording: SeccompProfileRecording, status: RecordingStatus, signal: AbortSignal): Promise<void> {
    if (isDeepStrictEqual(recording.status ?? {}, status)) return;
    const { namespace, name } = recording.metadata;
    try {
      await this.manager.client.apply(
        { ...RECORDING_RESOURCE, namespace: namespace!, name: name!, subresource: "status" },
        { apiVersion: API_VERSION, kind: RECORDING_KIND, metadata: { name, namespace }, status },
        { fieldManager: FIELD_MANAGER, force: true, signal },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private setFinalizer(recording: SeccompProfileRecording, present: boolean, signal: AbortSignal): Promise<void> {
    return setFinalizer(this.manager.client, { resource: RECORDING_RESOURCE, apiVersion: API_VERSION, kind: RECORDING_KIND, fieldManager: FIELD_MANAGER }, recording as KubeObject, RECORDING_FINALIZER, present, signal);
  }
}
