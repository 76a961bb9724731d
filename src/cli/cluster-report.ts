// `report`: every container of every pod with its effective seccomp profile, grouped by namespace
// and owning workload, with totals and a verdict per namespace. Pure: the command reads the
// cluster and hands the objects here.
import { PROFILE_TYPES, podSeccompOf, profileLevel, type ContainerSeccomp, type ProfileType } from "../api/container-seccomp.js";
import { profileNotApplied } from "../api/profile-not-applied.js";
import type { KubeObject } from "../kube/objects.js";

/** A workload that owns pods, directly or through a ReplicaSet or a Job. */
export interface Owner {
  kind: string;
  name: string;
}

/**
 * What the report knows of a SeccompProfile an operator path names: its current hash, `null`
 * when it does not exist, `undefined` when it could not be read (forbidden).
 */
export type ProfileLookup = (namespace: string, name: string) => { hash?: string } | null | undefined;

export interface ContainerRow extends ContainerSeccomp {
  pod: string;
  /** For operator profiles: whether the path is the profile's current content; undefined when unknown. */
  current?: boolean;
  /** For operator profiles: the hash the container runs (pinned) or the profile's (stable path). */
  hash?: string;
  note?: string;
  /** The pod's (or its Job's) annotations ask for a profile, and the container runs without the operator's: admission was skipped. */
  profileNotApplied?: true;
}

export interface WorkloadReport extends Owner {
  pods: number;
  containers: ContainerRow[];
  ignored: { pod: string; reason: string }[];
}

export type Counts = Record<ProfileType, number> & {
  pods: number;
  containers: number;
  privileged: number;
  allowPrivilegeEscalation: number;
  notCurrent: number;
  profileNotApplied: number;
  ignoredPods: number;
};

export type VerdictLevel = "unconfined" | "runtime-default" | "localhost" | "empty";

export interface NamespaceReport {
  namespace: string;
  workloads: WorkloadReport[];
  counts: Counts;
  verdict: { level: VerdictLevel; text: string };
}

export interface ClusterReport {
  namespaces: NamespaceReport[];
  totals: Counts;
  notes: string[];
}

export interface ReportInput {
  pods: KubeObject[];
  /** ReplicaSets and Jobs by uid, to the workload that controls them (a Deployment, a CronJob). */
  owners: Map<string, Owner>;
  profiles: ProfileLookup;
  /** Jobs by uid, as far as they were read: their annotations ask for their pods' profiles. */
  jobs?: Map<string, KubeObject>;
  notes?: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function emptyCounts(): Counts {
  return {
    ...(Object.fromEntries(PROFILE_TYPES.map((t) => [t, 0])) as Record<ProfileType, number>),
    pods: 0,
    containers: 0,
    privileged: 0,
    allowPrivilegeEscalation: 0,
    notCurrent: 0,
    profileNotApplied: 0,
    ignoredPods: 0,
  };
}

function addCounts(into: Counts, from: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) into[key] += from[key];
}

/** The workload that owns a pod: its controller, or the controller of that (ReplicaSet -> Deployment); the pod itself when bare. */
export function ownerOf(pod: KubeObject, owners: Map<string, Owner>): Owner {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (ref === undefined) return { kind: "Pod", name: pod.metadata?.name ?? "" };
  return owners.get(ref.uid) ?? { kind: ref.kind, name: ref.name };
}

function rowOf(pod: string, c: ContainerSeccomp, profiles: ProfileLookup): ContainerRow {
  const row: ContainerRow = { pod, ...c };
  const ref = c.operatorProfile;
  if (ref === undefined) return row;
  const profile = profiles(ref.namespace, ref.name);
  if (profile === undefined) return { ...row, ...(ref.hash ? { hash: ref.hash } : {}), note: `SeccompProfile ${ref.namespace}/${ref.name} could not be read` };
  if (profile === null) return { ...row, current: false, ...(ref.hash ? { hash: ref.hash } : {}), note: `SeccompProfile ${ref.namespace}/${ref.name} does not exist` };
  // A stable path always holds the latest installed version; a pinned one is current only at the profile's hash.
  const hash = ref.hash ?? profile.hash;
  const current = ref.hash === undefined ? profile.hash !== undefined : ref.hash === profile.hash;
  return { ...row, current, ...(hash ? { hash } : {}), ...(current ? {} : { note: profile.hash ? `the profile is now at ${profile.hash.slice(0, 12)}` : "the profile has no valid version yet" }) };
}

function verdictOf(c: Counts): NamespaceReport["verdict"] {
  const localhost = c["localhost-operator"] + c["localhost-other"];
  if (c.containers === 0) return { level: "empty", text: c.ignoredPods > 0 ? "no container seccomp applies to" : "no containers" };
  if (c.unconfined > 0) {
    const extra = c.privileged > 0 ? ` (${c.privileged} privileged)` : "";
    return { level: "unconfined", text: `${c.unconfined} of ${c.containers} containers run unconfined${extra}` };
  }
  if (c["runtime-default"] > 0) return { level: "runtime-default", text: `every container is confined, ${c["runtime-default"]} of ${c.containers} only by RuntimeDefault` };
  const stale = c.notCurrent > 0 ? `, ${c.notCurrent} not at its profile's current version` : "";
  return { level: "localhost", text: `every container runs a Localhost profile (${localhost})${stale}` };
}

export function buildReport(input: ReportInput): ClusterReport {
  const byNamespace = new Map<string, Map<string, WorkloadReport>>();
  const sorted = [...input.pods].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  for (const pod of sorted) {
    const namespace = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const owner = ownerOf(pod, input.owners);
    let workloads = byNamespace.get(namespace);
    if (!workloads) byNamespace.set(namespace, (workloads = new Map()));
    const key = `${owner.kind}/${owner.name}`;
    let workload = workloads.get(key);
    if (!workload) workloads.set(key, (workload = { ...owner, pods: 0, containers: [], ignored: [] }));
    workload.pods++;
    const seccomp = podSeccompOf(pod);
    if (seccomp.ignored !== undefined) workload.ignored.push({ pod: name, reason: seccomp.ignored });
    else {
      const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
      const missing = new Set(profileNotApplied(pod, ref?.kind === "Job" ? input.jobs?.get(ref.uid) : undefined));
      workload.containers.push(...seccomp.containers.map((c) => ({ ...rowOf(name, c, input.profiles), ...(missing.has(c.name) && c.kind !== "ephemeral" ? { profileNotApplied: true as const } : {}) })));
    }
  }
  const totals = emptyCounts();
  const namespaces: NamespaceReport[] = [...byNamespace.keys()].sort().map((namespace) => {
    const workloads = [...byNamespace.get(namespace)!.values()].sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
    const counts = emptyCounts();
    for (const w of workloads) {
      counts.pods += w.pods;
      counts.ignoredPods += w.ignored.length;
      for (const c of w.containers) {
        counts.containers++;
        counts[c.type]++;
        if (c.privileged) counts.privileged++;
        if (c.allowPrivilegeEscalation) counts.allowPrivilegeEscalation++;
        if (c.current === false) counts.notCurrent++;
        if (c.profileNotApplied) counts.profileNotApplied++;
      }
    }
    addCounts(totals, counts);
    return { namespace, workloads, counts, verdict: verdictOf(counts) };
  });
  const notes = [...(input.notes ?? [])];
  if (totals.ignoredPods > 0) notes.push(`${plural(totals.ignoredPods, "pod")} ignored: Windows, HostProcess or finished pods run no Linux container that seccomp could confine`);
  if (totals.profileNotApplied > 0) {
    notes.push("NOT APPLIED: the pod (or its Job) asks for a seccomp profile by annotation, but admission did not set it when the pod was created (the webhook was not called or failed open); a pod's profile cannot change, so recreate it");
  }
  if (totals.unconfined > 0 && namespaces.some((n) => n.workloads.some((w) => w.containers.some((c) => c.source === "default")))) {
    notes.push("containers without a seccompProfile count as Unconfined, the kubelet's default; a kubelet with seccompDefault: true runs them with RuntimeDefault instead");
  }
  return { namespaces, totals, notes };
}

/** True when a container falls at or below `level` (the `--fail-on` gate). */
export function failsAt(report: ClusterReport, level: "unconfined" | "runtime-default"): boolean {
  const threshold = profileLevel(level);
  return PROFILE_TYPES.some((t) => profileLevel(t) <= threshold && report.totals[t] > 0);
}

function profileText(c: ContainerRow): string {
  switch (c.type) {
    case "unconfined":
      return c.source === "privileged" ? "Unconfined (privileged)" : c.source === "default" ? "Unconfined (unset)" : "Unconfined";
    case "runtime-default":
      return "RuntimeDefault";
    case "localhost-operator": {
      const ref = c.operatorProfile!;
      const hash = c.hash ? `@${c.hash.slice(0, 12)}` : "";
      const state = c.current === true ? "current" : c.current === false ? "NOT CURRENT" : "unknown";
      return `operator ${ref.namespace}/${ref.name}${hash} ${state}`;
    }
    case "localhost-other":
      return `Localhost ${c.localhostProfile}`;
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}

function countsText(c: Counts): string {
  return (
    `${plural(c.containers, "container")} in ${plural(c.pods, "pod")}: ${c.unconfined} unconfined, ${c["runtime-default"]} RuntimeDefault, ` +
    `${plural(c["localhost-operator"], "operator profile")} (${c.notCurrent} not current), ${c["localhost-other"]} other Localhost; ` +
    `${c.privileged} privileged, ${c.allowPrivilegeEscalation} allow privilege escalation` +
    (c.profileNotApplied > 0 ? `; ${c.profileNotApplied} asked for a profile and run without it` : "") +
    (c.ignoredPods > 0 ? `; ${plural(c.ignoredPods, "pod")} ignored` : "")
  );
}

/** The human table: one section per namespace, a verdict line each, totals and notes at the end. */
export function formatReportTable(report: ClusterReport): string {
  const out: string[] = [];
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  for (const ns of report.namespaces) {
    out.push(`NAMESPACE ${ns.namespace}`);
    const rows = [["WORKLOAD", "POD", "CONTAINER", "KIND", "FROM", "PRIVILEGED", "ESCALATION", "NOT APPLIED", "PROFILE"]];
    for (const w of ns.workloads) {
      for (const c of w.containers) rows.push([`${w.kind}/${w.name}`, c.pod, c.name, c.kind, c.source, yesNo(c.privileged), yesNo(c.allowPrivilegeEscalation), yesNo(c.profileNotApplied === true), profileText(c) + (c.note ? ` (${c.note})` : "")]);
    }
    if (rows.length > 1) out.push(...table(rows).map((l) => `  ${l}`));
    for (const w of ns.workloads) for (const i of w.ignored) out.push(`  ignored ${w.kind}/${w.name} pod ${i.pod}: ${i.reason}`);
    out.push(`  verdict ${ns.namespace}: ${ns.verdict.level}: ${ns.verdict.text}`, "");
  }
  out.push(`TOTAL ${plural(report.namespaces.length, "namespace")}, ${countsText(report.totals)}`);
  for (const note of report.notes) out.push(`note: ${note}`);
  return `${out.join("\n")}\n`;
}
