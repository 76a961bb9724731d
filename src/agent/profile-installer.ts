import { compileObject, summarize } from "../profile/compile.js";
import type { Logger } from "../kube/logger.js";
import { splitKey, type KubeObject } from "../kube/objects.js";
import type { ProfileFileStore, StoreError } from "./file-store.js";
import type { NodeState } from "./node-state.js";

export interface InstallerOptions {
  catalogueNamespace: string;
  /** The cached SeccompProfile objects, by namespace and name. */
  lookup: (namespace: string, name: string) => KubeObject | undefined;
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

  reconcile(key: string): void {
    const { namespace = "", name } = splitKey(key);
    const object = this.options.lookup(namespace, name);
    if (object === undefined) {
      // Pinned files stay for the pods that use them; garbage collection removes them later.
      const removed = this.store.removeStable(namespace, name);
      if (!removed.ok) {
        this.state.setFailed(key, { reason: `cannot remove the profile's file: ${describe(removed.error)}` });
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
    const result = this.store.install(namespace, name, hash, Buffer.from(json));
    if (!result.ok) {
      this.state.setFailed(key, { hash, reason: describe(result.error) });
      this.options.onInstall?.("failed");
      throw new InstallError(result.error);
    }
    if (result.value.changed) this.options.logger.info("profile installed", { key, hash, pinned: result.value.pinned, stable: result.value.stable });
    this.state.setInstalled(key, hash);
    this.options.onInstall?.(result.value.changed ? "written" : "unchanged");
  }
}

function describe(error: StoreError): string {
  return `${error.code} at ${error.path}: ${error.message}`;
}
