// Who uses which profile: workloads by name, pods and templates by file. Kept on every
// replica from the caches, so a profile's reconcile reads it instead of scanning the cluster.
import { resolutionOrder, resolveName } from "../../api/name-resolution.js";
import { parseProfilePath } from "../../api/node-paths.js";
import { localhostProfilesOf } from "../../api/pod-seccomp.js";
import { Signal, type Manager } from "../../kube/manager.js";
import { sharedString } from "../../kube/shared-strings.js";
import { objectKey, type KubeObject } from "../../kube/objects.js";
import { PODS, PROFILES, workloadCaches } from "../controller-caches.js";
import { podSpecOf, workloadKey } from "./workload-kinds.js";
import { usesOf } from "./workload-uses.js";

/** One workload's use of a profile name: the containers that ask for it. */
export interface NameUse {
  /** `Kind/namespace/name`. */
  workload: string;
  kind: string;
  namespace: string;
  name: string;
  profile: string;
  containers: string[];
  /** Containers seccomp does not confine (privileged). */
  privileged: string[];
  /** Containers that may gain privileges, so the runtime loads the filter before dropping them. */
  escalating: string[];
}

/** A few strings: one on its own (the common case, at no cost), several as an array. */
type Few = string | readonly string[];

const NONE: readonly string[] = [];

function few(values: Iterable<string>): Few {
  const list = [...values];
  return list.length === 1 ? list[0]! : list.length === 0 ? NONE : list;
}

function each(values: Few | undefined): readonly string[] {
  return values === undefined ? NONE : typeof values === "string" ? [values] : values;
}

/**
 * Who uses which profile, kept up to date from informer events so that a profile's reconcile
 * does not scan every workload and pod of the cluster. Workloads name profiles, which resolve
 * in their own namespace first and then in the catalogue; pods name files, hence keys.
 */
export class UsageIndex {
  private readonly byWorkload = new Map<string, NameUse[]>();
  /** profile name -> workloads naming it. */
  private readonly byName = new Map<string, Set<string>>();
  /**
   * Profile key -> pods and templates (`Kind/ns/name`) naming its files -> the pinned hashes they
   * name. There is one entry per pod and template of the cluster, and nearly all name one hash
   * (or none): a Set each would cost more than the pods' cache itself.
   */
  private readonly holders = new Map<string, Map<string, Few>>();
  /** Holder -> the profile keys it names. */
  private readonly held = new Map<string, Few>();
  /** Profile key -> hash -> when it was first named (a counter), to keep the newest when there are too many. */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private seen = 0;

  /** The profile keys whose users, pods or hashes in use changed, after each event. */
  readonly changed = new Signal<Set<string>>();

  constructor(
    private readonly catalogueNamespace: string,
    private readonly profileExists: (namespace: string, name: string) => boolean,
  ) {}

  /** Replaces what one workload uses; returns the profile names whose users changed. */
  setWorkload(workload: string, uses: NameUse[]): Set<string> {
    const before = this.byWorkload.get(workload) ?? [];
    const changed = new Set<string>([...before.map((u) => u.profile), ...uses.map((u) => u.profile)]);
    for (const use of before) {
      const set = this.byName.get(use.profile);
      set?.delete(workload);
      // Names are chosen by tenants: an empty entry must not outlive its last user.
      if (set?.size === 0) this.byName.delete(use.profile);
    }
    if (uses.length === 0) this.byWorkload.delete(workload);
    else this.byWorkload.set(workload, uses);
    for (const use of uses) {
      let set = this.byName.get(use.profile);
      if (set === undefined) this.byName.set(use.profile, (set = new Set()));
      set.add(workload);
    }
    return changed;
  }

  /** The workloads whose references resolve to the profile `namespace/name`. */
  usersOf(namespace: string, name: string): NameUse[] {
    const out: NameUse[] = [];
    for (const workload of this.byName.get(name) ?? []) {
      for (const use of this.byWorkload.get(workload) ?? []) {
        if (use.profile !== name) continue;
        // Resolved as everywhere; a name found nowhere counts against the catalogue's.
        const resolved = resolveName(use.namespace, name, this.catalogueNamespace, (ns, n) => (this.profileExists(ns, n) ? true : undefined));
        if ((resolved?.namespace ?? this.catalogueNamespace) === namespace) out.push(use);
      }
    }
    return out.sort((a, b) => (a.workload < b.workload ? -1 : 1));
  }

  /** Workload keys naming `name` (in any namespace), to requeue when such a profile changes. */
  workloadsNaming(name: string): string[] {
    return [...(this.byName.get(name) ?? [])];
  }

  /** Replaces what one pod uses; returns the profile keys whose holders or hashes in use changed. */
  setPod(pod: string, object: KubeObject | undefined): Set<string> {
    return this.setPaths(`Pod/${pod}`, object === undefined ? [] : localhostProfilesOf(object));
  }

  /**
   * Records the profile files (stable or pinned) a pod (`Pod/ns/name`) or a workload's template
   * (`Kind/ns/name`) names, whatever its replica count. A path counts only when its holder may
   * use the profile (its own namespace, or the catalogue's), so no tenant can keep another's
   * files or block its deletion. Returns the profile keys whose holders or hashes changed.
   */
  setPaths(holder: string, paths: readonly string[]): Set<string> {
    const namespace = holder.split("/")[1] ?? "";
    const now = new Map<string, Set<string>>();
    for (const path of paths) {
      const ref = parseProfilePath(path);
      if (ref === undefined || (ref.namespace !== namespace && ref.namespace !== this.catalogueNamespace)) continue;
      // One copy of each key and hash however many pods name them.
      const key = sharedString(`${ref.namespace}/${ref.name}`);
      let hashes = now.get(key);
      if (hashes === undefined) now.set(key, (hashes = new Set()));
      if (ref.hash !== undefined) hashes.add(sharedString(ref.hash));
    }
    const changed = new Set<string>();
    for (const key of each(this.held.get(holder))) {
      if (now.has(key)) continue;
      const holders = this.holders.get(key)!;
      holders.delete(holder);
      if (holders.size === 0) this.holders.delete(key);
      changed.add(key);
    }
    for (const [key, hashes] of now) {
      let holders = this.holders.get(key);
      if (holders === undefined) this.holders.set(key, (holders = new Map()));
      const before = each(holders.get(holder));
      if (!holders.has(holder) || before.length !== hashes.size || before.some((h) => !hashes.has(h))) changed.add(key);
      holders.set(holder, few(hashes));
      let seen = this.firstSeen.get(key);
      if (seen === undefined && hashes.size > 0) this.firstSeen.set(key, (seen = new Map()));
      for (const hash of hashes) if (!seen!.has(hash)) seen!.set(hash, this.seen++);
    }
    if (now.size === 0) this.held.delete(holder);
    else this.held.set(holder, few(now.keys()));
    for (const key of changed) this.forgetUnused(key);
    return changed;
  }

  /** Hashes of a profile that templates or pods still name: the most named first, then the newest. */
  hashesInUse(key: string): string[] {
    const uses = new Map<string, number>();
    for (const hashes of this.holders.get(key)?.values() ?? []) for (const h of each(hashes)) uses.set(h, (uses.get(h) ?? 0) + 1);
    const seen = (h: string) => this.firstSeen.get(key)?.get(h) ?? 0;
    return [...uses.keys()].sort((a, b) => uses.get(b)! - uses.get(a)! || seen(b) - seen(a));
  }

  /** Pods and templates (`Kind/ns/name`) that name one of the profile's files, sorted. */
  holdersOf(key: string): string[] {
    return [...(this.holders.get(key)?.keys() ?? [])].sort();
  }

  private forgetUnused(key: string): void {
    const inUse = new Set<string>();
    for (const hashes of this.holders.get(key)?.values() ?? []) for (const h of each(hashes)) inUse.add(h);
    const seen = this.firstSeen.get(key);
    for (const hash of seen?.keys() ?? []) if (!inUse.has(hash)) seen!.delete(hash);
    if (seen?.size === 0) this.firstSeen.delete(key);
  }
}

/**
 * An index of who uses which profile, kept current from the pod and workload caches on every
 * replica; each event announces the profile keys it changed on `index.changed`.
 */
export function setupUsageIndex(manager: Manager, catalogueNamespace: string): UsageIndex {
  const profiles = manager.cache(PROFILES);
  const index = new UsageIndex(catalogueNamespace, (ns, name) => profiles.get(`${ns}/${name}`) !== undefined);
  const pods = manager.cache(PODS);
  const podEvent = (pod: KubeObject, gone: boolean) => index.changed.emit(index.setPod(objectKey(pod), gone ? undefined : pod));
  pods.addHandler({ onAdd: (p) => podEvent(p, false), onUpdate: (_o, p) => podEvent(p, false), onDelete: (p) => podEvent(p, true) });

  for (const [kind, informer] of workloadCaches(manager)) {
    const event = (w: KubeObject, gone: boolean) => {
      const namespace = w.metadata?.namespace ?? "";
      const key = workloadKey(kind, namespace, w.metadata?.name ?? "");
      const keys = new Set<string>();
      // A name's users count for the profile it resolves to, which may be either one.
      for (const name of index.setWorkload(key, gone ? [] : usesOf(kind, w))) for (const ns of resolutionOrder(namespace, catalogueNamespace)) keys.add(`${ns}/${name}`);
      // The pinned paths its template names must stay on the nodes while it does.
      for (const profile of index.setPaths(key, gone ? [] : localhostProfilesOf({ spec: podSpecOf(kind, w) }))) keys.add(profile);
      index.changed.emit(keys);
    };
    informer.addHandler({ onAdd: (w) => event(w, false), onUpdate: (_o, w) => event(w, false), onDelete: (w) => event(w, true) });
  }
  return index;
}
