// The hash every profile is expected to have on the nodes, its few previous hashes, and which
// profiles share a digest bucket: what the controller needs to read a node's digests.
import { resolveName } from "../../api/name-resolution.js";
import { bucketOf, contribution } from "../../api/install-digest.js";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { Informer } from "../../kube/informer.js";
import { objectKey } from "../../kube/objects.js";
import { compileObject } from "../../profile/compile.js";
import { MAX_BASE_DEPTH } from "../../profile/resolve.js";

/** Previous hashes kept per profile, to explain a node that is one update behind. */
const HISTORY = 4;

interface Entry {
  /** resourceVersions of the profile and its bases, as resolved when compiled. */
  version: string;
  hash: string | undefined;
  previous: string[];
}

export class ProfileHashes {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<number, Set<string>>();
  private readonly contributions = new Map<string, Buffer>();

  constructor(
    private readonly profiles: Pick<Informer<SeccompProfile>, "get" | "addHandler">,
    private readonly catalogueNamespace: string,
  ) {
    const add = (p: SeccompProfile) => {
      const key = objectKey(p);
      const bucket = bucketOf(key);
      let set = this.buckets.get(bucket);
      if (set === undefined) this.buckets.set(bucket, (set = new Set()));
      set.add(key);
    };
    profiles.addHandler({
      onAdd: add,
      onDelete: (p) => {
        const key = objectKey(p);
        const bucket = bucketOf(key);
        const set = this.buckets.get(bucket);
        set?.delete(key);
        if (set?.size === 0) this.buckets.delete(bucket);
        const entry = this.entries.get(key);
        if (entry !== undefined) this.contributions.delete(`${key}\n${entry.hash}`);
        this.entries.delete(key);
      },
    });
  }

  /** Profile keys in one digest bucket. */
  inBucket(bucket: number): readonly string[] {
    return [...(this.buckets.get(bucket) ?? [])];
  }

  /** Records what a reconcile compiled, so the profile is not compiled again for its bucket. */
  remember(object: SeccompProfile, hash: string | undefined): void {
    this.update(objectKey(object), this.versionOf(object), hash);
  }

  /** The hash nodes should have for `key`, compiling only when it or a base changed; undefined when invalid or gone. */
  expected(key: string): string | undefined {
    const object = this.profiles.get(key);
    if (object === undefined) return undefined;
    const version = this.versionOf(object);
    const entry = this.entries.get(key);
    if (entry?.version === version) return entry.hash;
    const compiled = compileObject(object, (ns, n) => this.profiles.get(`${ns}/${n}`), this.catalogueNamespace);
    return this.update(key, version, compiled.ok ? compiled.value.rendered.hash : undefined).hash;
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

  private update(key: string, version: string, hash: string | undefined): Entry {
    const old = this.entries.get(key);
    const previous = old === undefined || old.hash === undefined || old.hash === hash ? (old?.previous ?? []) : [old.hash, ...old.previous.filter((h) => h !== old.hash)].slice(0, HISTORY);
    if (old?.hash !== undefined && old.hash !== hash) this.contributions.delete(`${key}\n${old.hash}`);
    const entry = { version, hash, previous: previous.filter((h) => h !== hash) };
    this.entries.set(key, entry);
    return entry;
  }

  /** The resourceVersions along the base chain, as names resolve now: a change anywhere means compiling again. */
  private versionOf(object: SeccompProfile): string {
    const parts: string[] = [];
    const seen = new Set<string>();
    let current: SeccompProfile | undefined = object;
    for (let depth = 0; current !== undefined && depth <= MAX_BASE_DEPTH + 1; depth++) {
      const key = objectKey(current);
      parts.push(`${key}@${current.metadata.resourceVersion ?? ""}`);
      if (seen.has(key)) break;
      seen.add(key);
      const base: string | undefined = current.spec?.baseProfileName;
      if (base === undefined) break;
      current = resolveName(current.metadata.namespace ?? "", base, this.catalogueNamespace, (ns, n) => this.profiles.get(`${ns}/${n}`))?.found;
      if (current === undefined) parts.push(`${base}@missing`);
    }
    return parts.join(" ");
  }
}
