import { FailureDigest } from "../api/failure-digest.js";
import type { DigestSalt } from "../api/digest-salt.js";
import { InstallDigest } from "../api/install-digest.js";

/** What this node has installed and what failed, the content of its SeccompNodeStatus. */
export interface ProfileFailure {
  hash?: string;
  reason: string;
  /** The file could not be written (or removed), as opposed to an invalid profile. */
  write?: boolean;
}

export class NodeState {
  /** `namespace/name` -> hash of the file installed at the stable path. */
  readonly installed = new Map<string, string>();
  readonly failures = new Map<string, ProfileFailure>();
  /**
   * Profiles installed at the hash of their current object, as buckets: a profile with a
   * failure is not in it (its installed file is an older one, or none).
   */
  digest = new InstallDigest();
  /** Every failure, per bucket: the list names at most 64, this misses none. */
  failed = new FailureDigest();
  /** The cluster's bucket spread; until it is known the digests are empty and not reported. */
  private spread: DigestSalt | undefined;
  private current = 0;
  private version = 0;
  private listener: (() => void) | undefined;

  /** With the salt when it is known already; else setSalt() once it is read. */
  constructor(salt?: DigestSalt) {
    this.spread = salt;
  }

  get salt(): DigestSalt | undefined {
    return this.spread;
  }

  /** Sets the bucket spread and builds both digests from what is installed and failed. */
  setSalt(salt: DigestSalt): void {
    if (this.spread?.id === salt.id) return;
    this.spread = salt;
    this.digest = new InstallDigest();
    this.failed = new FailureDigest();
    this.current = 0;
    for (const key of this.installed.keys()) this.enterDigest(key);
    for (const key of this.failures.keys()) this.failed.toggle(salt.bucketOf(key), key, 1);
    this.changed();
  }

  /** Called on every change, to schedule a status write. */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /** Increases on every change, so a writer knows whether it is up to date. */
  get revision(): number {
    return this.version;
  }

  /** Profiles in the digest. */
  get currentCount(): number {
    return this.current;
  }

  setInstalled(key: string, hash: string): void {
    const failed = this.failures.has(key);
    if (this.installed.get(key) === hash && !failed) return;
    this.leaveDigest(key);
    this.clearFailure(key);
    this.installed.set(key, hash);
    this.enterDigest(key);
    this.changed();
  }

  setFailed(key: string, failure: ProfileFailure): void {
    const old = this.failures.get(key);
    if (old?.reason === failure.reason && old.hash === failure.hash && old.write === failure.write) return;
    this.leaveDigest(key);
    if (old === undefined && this.spread !== undefined) this.failed.toggle(this.spread.bucketOf(key), key, 1);
    this.failures.set(key, failure);
    this.changed();
  }

  remove(key: string): void {
    this.leaveDigest(key);
    const a = this.installed.delete(key);
    const b = this.clearFailure(key);
    if (a || b) this.changed();
  }

  private clearFailure(key: string): boolean {
    if (!this.failures.delete(key)) return false;
    if (this.spread !== undefined) this.failed.toggle(this.spread.bucketOf(key), key, -1);
    return true;
  }

  private leaveDigest(key: string): void {
    const hash = this.installed.get(key);
    if (hash === undefined || this.failures.has(key) || this.spread === undefined) return;
    this.digest.toggle(this.spread.bucketOf(key), key, hash);
    this.current--;
  }

  private enterDigest(key: string): void {
    const hash = this.installed.get(key);
    if (hash === undefined || this.failures.has(key) || this.spread === undefined) return;
    this.digest.toggle(this.spread.bucketOf(key), key, hash);
    this.current++;
  }

  private changed(): void {
    this.version++;
    this.listener?.();
  }
}
