/** What this node has installed and what failed, the content of its SeccompNodeStatus. */
export interface ProfileFailure {
  hash?: string;
  reason: string;
}

export class NodeState {
  /** `namespace/name` -> hash of the file installed at the stable path. */
  readonly installed = new Map<string, string>();
  readonly failures = new Map<string, ProfileFailure>();
  private version = 0;
  private listener: (() => void) | undefined;

  /** Called on every change, to schedule a status write. */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /** Increases on every change, so a writer knows whether it is up to date. */
  get revision(): number {
    return this.version;
  }

  setInstalled(key: string, hash: string): void {
    const failed = this.failures.delete(key);
    if (this.installed.get(key) === hash && !failed) return;
    this.installed.set(key, hash);
    this.changed();
  }

  setFailed(key: string, failure: ProfileFailure): void {
    const old = this.failures.get(key);
    if (old?.reason === failure.reason && old.hash === failure.hash) return;
    this.failures.set(key, failure);
    this.changed();
  }

  remove(key: string): void {
    const a = this.installed.delete(key);
    const b = this.failures.delete(key);
    if (a || b) this.changed();
  }

  private changed(): void {
    this.version++;
    this.listener?.();
  }
}
