// The hash every profile is expected to have on the nodes, its few previous hashes, and which
// profiles share a digest bucket: what the controller needs to read a node's digests.
import { failureMark } from "../../api/failure-digest.js";
import type { DigestSalt } from "../../api/digest-salt.js";
import { contribution } from "../../api/install-digest.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { Informer } from "../../kube/informer.js";
import { objectKey } from "../../kube/objects.js";
import type { ProfileCompiles } from "./profile-compiles.js";

/** Previous hashes kept per profile, to explain a node that is one update behind. */
const HISTORY = 4;

interface Entry {
  hash: string | undefined;
  previous: string[];
}

export class ProfileHashes {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<number, Set<string>>();
  private readonly contributions = new Map<string, Buffer>();
  private readonly marks = new Map<string, Buffer>();

  constructor(
    private readonly profiles: Pick<Informer<SeccompProfile>, "get" | "addHandler">,
    private readonly compiles: Pick<ProfileCompiles, "compile">,
    private readonly salt: DigestSalt,
  ) {
    const add = (p: SeccompProfile) => {
      const key = objectKey(p);
      const bucket = salt.bucketOf(key);
      let set = this.buckets.get(bucket);
      if (set === undefined) this.buckets.set(bucket, (set = new Set()));
      set.add(key);
    };
    profiles.addHandler({
      onAdd: add,
      onDelete: (p) => {
        const key = objectKey(p);
        const bucket = salt.bucketOf(key);
        const set = this.buckets.get(bucket);
        set?.delete(key);
        if (set?.size === 0) this.buckets.delete(bucket);
        const entry = this.entries.get(key);
        if (entry !== undefined) this.contributions.delete(`${key}\n${entry.hash}`);
        this.marks.delete(key);
        this.entries.delete(key);
      },
    });
  }

  get saltId(): string {
    return this.salt.id;
  }

  bucketOf(key: string): number {
    return this.salt.bucketOf(key);
  }

  /** Profile keys in one digest bucket. */
  inBucket(bucket: number): readonly string[] {
    return [...(this.buckets.get(bucket) ?? [])];
  }

  /** Records what a reconcile compiled, so that the hash it replaces is kept as a previous one. */
  remember(object: SeccompProfile, hash: string | undefined): void {
    this.update(objectKey(object), hash);
  }

  /** The hash nodes should have for `key` (the shared compile: once per change); undefined when invalid or gone. */
  expected(key: string): string | undefined {
    const object = this.profiles.get(key);
    if (object === undefined) return undefined;
    const compiled = this.compiles.compile(object);
    const hash = compiled.ok ? compiled.value.rendered.hash : undefined;
    const entry = this.entries.get(key);
    return entry !== undefined && entry.hash === hash ? hash : this.update(key, hash).hash;
  }

  /** Hashes the profile had before its current one, newest first. */
  previous(key: string): readonly string[] {
    return this.entries.get(key)?.previous ?? [];
  }

  /** The profile's part of its bucket at `hash`, cached for its current hash. */
  contribution(key: string, hash: string): Buffer {
    const id = `${key}\n${hash}`;
    let c = this.contributions.get(id);
    if (c === undefined) {
      c = contribution(key, hash);
      if (this.entries.get(key)?.hash === hash) this.contributions.set(id, c);
    }
    return c;
  }

  /** The profile's mark in a node's failure record, cached while the profile exists. */
  failureMark(key: string): Buffer {
    let mark = this.marks.get(key);
    if (mark === undefined) {
      mark = failureMark(key);
      if (this.profiles.get(key) !== undefined) this.marks.set(key, mark);
    }
    return mark;
  }

  private update(key: string, hash: string | undefined): Entry {
    const old = this.entries.get(key);
    const previous = old === undefined || old.hash === undefined || old.hash === hash ? (old?.previous ?? []) : [old.hash, ...old.previous.filter((h) => h !== old.hash)].slice(0, HISTORY);
    if (old?.hash !== undefined && old.hash !== hash) this.contributions.delete(`${key}\n${old.hash}`);
    const entry = { hash, previous: previous.filter((h) => h !== hash) };
    this.entries.set(key, entry);
    return entry;
  }
}
