// Installs SeccompProfiles in this node's kubelet seccomp folder, on every agent.
// setupProfileInstaller says when a profile is queued; ProfileInstaller what a reconcile does.
import type { SeccompProfileRevision } from "../api/profile-revision.js";
import { PROFILE_RESOURCE, REVISION_RESOURCE } from "../api/resources.js";
import type { SeccompProfile } from "../api/seccomp-profile.js";
import type { Informer } from "../kube/informer.js";
import type { Logger } from "../kube/logger.js";
import type { Manager } from "../kube/manager.js";
import { namespaceOfKey, objectKey, splitKey } from "../kube/objects.js";
import { isNotFound } from "../kube/api-error.js";
import { compileObject, compileProfile, summarize, withCheckedSpec, type ObjectLookup } from "../profile/compile.js";
import { loadProfiles } from "../profile/load.js";
import { BaseNameIndex, dependentsOf } from "../profile/dependents.js";
import type { agentMetrics } from "./agent-metrics.js";
import type { ProfileFileStore, StoreError } from "./file-store.js";
import type { NodeState } from "./node-state.js";


/** Which profiles this agent installs: one namespace (and the catalogue's), or all. */
export interface ProfileScope {
  namespace?: string;
  catalogueNamespace: string;
}

export function inScope(scope: ProfileScope, namespace: string): boolean {
  return scope.namespace === undefined || namespace === scope.namespace || namespace === scope.catalogueNamespace;
}

/** The profile caches: one of all namespaces, or one per namespace in scope (named `profiles/<ns>`). */
export function profileCaches(manager: Manager, scope: ProfileScope): Informer<SeccompProfile>[] {
  const namespaces = scope.namespace === undefined ? [undefined] : [...new Set([scope.namespace, scope.catalogueNamespace])];
  return namespaces.map((namespace) =>
    manager.cache<SeccompProfile>({
      name: namespace === undefined ? "profiles" : `profiles/${namespace}`,
      resource: PROFILE_RESOURCE,
      transform: agentProfileShape,
      ...(namespace ? { namespace } : {}),
    }),
  );
}

/**
 * What an agent keeps of a profile: its identity, its spec, and of the controller's status only
 * the hashes still in use (conditions, nodes, users and findings are for people, and can be
 * kilobytes; so can annotations, such as kubectl's last-applied-configuration).
 */
export function agentProfileShape(profile: SeccompProfile): SeccompProfile {
  const { name, namespace, resourceVersion } = profile.metadata ?? {};
  const hashesInUse = profile.status?.hashesInUse;
  return withCheckedSpec({ apiVersion: profile.apiVersion, kind: profile.kind, metadata: { name, namespace, resourceVersion }, spec: profile.spec, ...(hashesInUse === undefined ? {} : { status: { hashesInUse } }) });
}

/** A profile from whichever cache holds it. */
export function profileLookup(caches: readonly Informer<SeccompProfile>[]): (namespace: string, name: string) => SeccompProfile | undefined {
  return (namespace, name) => {
    for (const informer of caches) {
      const found = informer.get(`${namespace}/${name}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

export interface InstallerSetup {
  store: ProfileFileStore;
  state: NodeState;
  scope: ProfileScope;
  metrics: ReturnType<typeof agentMetrics>;
}

/**
 * When a profile is queued (`namespace/name`), all of it:
 * - the profile changes, or one of its bases (descendants render differently);
 * - at start: every profile, and every stable file on disk whose profile is gone (to remove it).
 * A failed file write is retried with backoff. The agent is ready once this first pass is done.
 */
export function setupProfileInstaller(manager: Manager, setup: InstallerSetup): { isReady: () => boolean } {
  const { store, state, scope, metrics } = setup;
  const logger = manager.logger;
  const caches = profileCaches(manager, scope);
  const lookup = profileLookup(caches);
  const all = () => caches.flatMap((i) => i.list());
  const installer = new ProfileInstaller(store, state, {
    catalogueNamespace: scope.catalogueNamespace,
    fetchRevision: async (namespace, hash) => {
      try {
        return (await manager.client.get<SeccompProfileRevision>({ ...REVISION_RESOURCE, namespace, name: hash })).spec.content;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    lookup,
    logger,
    onInstall: (result) => metrics.installs.inc({ result }),
  });
  manager.add({
    name: "crash-cleanup",
    leaderOnly: false,
    start: () => {
      const temp = store.removeTempFiles();
      if (temp.ok && temp.value.removed.length > 0) logger.info("removed temporary files left by a crash", { files: temp.value.removed.length });
    },
  });
  const queue = manager.reconciler({
    name: "profiles",
    leaderOnly: false,
    // One namespace's thousands of profiles do not hold up another's.
    groupOf: namespaceOfKey,
    reconcile: async (key) => {
      const end = metrics.reconcileSeconds.startTimer();
      try {
        await installer.reconcile(key);
        await installer.installPinnedInUse(key);
      } finally {
        end();
      }
    },
    // The stable files of profiles that no longer exist go; pinned files are left to garbage
    // collection, which keeps those pods still use.
    initialKeys: () => {
      const keys: string[] = [];
      const scan = store.scan();
      if (!scan.ok) {
        logger.error("cannot read the profile folder", { error: `${scan.error.code}: ${scan.error.path}: ${scan.error.message}` });
      } else {
        for (const anomaly of scan.value.anomalies) logger.warn("unexpected entry in the profile folder, left alone", { ...anomaly });
        for (const file of scan.value.stable) {
          if (lookup(file.namespace, file.name) === undefined && inScope(scope, file.namespace)) keys.push(`${file.namespace}/${file.name}`);
        }
      }
      return [...keys, ...all().map(objectKey)];
    },
  });
  const bases = new BaseNameIndex<SeccompProfile>();
  for (const cache of caches) cache.addHandler({ onAdd: (p) => bases.update(undefined, p), onUpdate: (o, p) => bases.update(o, p), onDelete: (p) => bases.update(p, undefined) });
  for (const cache of caches) manager.watch(cache, queue, ({ object }) => [objectKey(object), ...dependentsOf(object, (name) => bases.naming(name), scope.catalogueNamespace).map(objectKey)]);

  let ready = false;
  manager.add({
    name: "first-sync",
    leaderOnly: false,
    start: async () => {
      for (;;) {
        const stats = queue.stats();
        if (stats.depth === 0 && stats.processing === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      ready = true;
      logger.info("agent ready", { profiles: state.installed.size, failures: state.failures.size });
    },
  });
  manager.addReadyCheck("first-sync", () => ready || "first sync not finished");
  return { isReady: () => ready };
}

export interface InstallerOptions {
  catalogueNamespace: string;
  /** The rendered bytes of a hash of the namespace's profiles (its SeccompProfileRevision); undefined when there is none. */
  fetchRevision?: (namespace: string, hash: string) => Promise<string | undefined>;
  /** The cached SeccompProfile objects, by namespace and name. */
  lookup: ObjectLookup;
  logger: Logger;
  onInstall?: (result: "written" | "unchanged" | "invalid" | "failed" | "removed") => void;
}

/** A store failure worth retrying later; invalid profiles are not (they wait for a change). */
export class InstallError extends Error {
  constructor(readonly storeError: StoreError) {
    super(`${storeError.code}: ${storeError.path}: ${storeError.message}`);
    this.name = "InstallError";
  }
}

/**
 * Brings one profile's files on this node to what its object says. Level-triggered: it reads
 * the cached object, not the event, so replays and resyncs are harmless. An invalid profile
 * never replaces the last good file: the failure is recorded and the file stays.
 */
export class ProfileInstaller {
  constructor(
    private readonly store: ProfileFileStore,
    private readonly state: NodeState,
    private readonly options: InstallerOptions,
  ) {}

  async reconcile(key: string): Promise<void> {
    const { namespace = "", name } = splitKey(key);
    const object = this.options.lookup(namespace, name);
    if (object === undefined) {
      // Pinned files stay for the pods that use them; garbage collection removes them later.
      const removed = this.store.removeStable(namespace, name);
      if (!removed.ok) {
        this.state.setFailed(key, { reason: `cannot remove the profile's file: ${describe(removed.error)}`, write: true });
        throw new InstallError(removed.error);
      }
      this.state.remove(key);
      this.options.onInstall?.("removed");
      return;
    }

    const compiled = compileObject(object, (ns, n) => this.options.lookup(ns, n), this.options.catalogueNamespace);
    if (!compiled.ok) {
      const reason = `invalid profile, last good file kept: ${summarize(compiled.error)}`;
      this.options.logger.warn("profile not installed", { key, reason });
      this.state.setFailed(key, { reason });
      this.options.onInstall?.("invalid");
      return;
    }
    const { hash, json } = compiled.value.rendered;
    const result = await this.store.install(namespace, name, hash, Buffer.from(json));
    if (!result.ok) {
      this.state.setFailed(key, { hash, reason: describe(result.error), write: true });
      this.options.onInstall?.("failed");
      throw new InstallError(result.error);
    }
    if (result.value.changed) this.options.logger.info("profile installed", { key, hash, pinned: result.value.pinned, stable: result.value.stable });
    this.state.setInstalled(key, hash);
    this.options.onInstall?.(result.value.changed ? "written" : "unchanged");
  }

  /**
   * Installs the older hashes the controller lists in status.hashesInUse that this node lacks
   * (it joined after they were current), from their revisions. A missing or wrong revision is
   * logged and skipped: it cannot be fixed here, and the current file is in place.
   */
  async installPinnedInUse(key: string): Promise<void> {
    const { namespace = "", name } = splitKey(key);
    const object = this.options.lookup(namespace, name);
    const fetch = this.options.fetchRevision;
    if (object === undefined || fetch === undefined) return;
    for (const hash of object.status?.hashesInUse ?? []) {
      if (hash === this.state.installed.get(key) || this.store.hasPinned(namespace, name, hash)) continue;
      const content = await fetch(namespace, hash);
      if (content === undefined || !isRendered(content)) {
        this.options.logger.warn("a hash in use has no usable revision, not installed", { key, hash, found: content !== undefined });
        continue;
      }
      const result = await this.store.installPinned(namespace, name, hash, Buffer.from(content));
      if (!result.ok) throw new InstallError(result.error);
      this.options.logger.info("older profile version installed for the workloads that pin it", { key, hash });
    }
  }
}

/** Whether `content` is exactly what the engine renders for the profile it holds: a revision can carry nothing else. */
function isRendered(content: string): boolean {
  const loaded = loadProfiles(content);
  if (loaded.length !== 1 || loaded[0]!.spec === undefined) return false;
  const compiled = compileProfile({ namespace: "", name: "revision", spec: loaded[0]!.spec }, () => undefined, "", { lint: false });
  return compiled.ok && compiled.value.rendered.json === content;
}

function describe(error: StoreError): string {
  return `${error.code} at ${error.path}: ${error.message}`;
}
