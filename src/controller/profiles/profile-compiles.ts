// The controller's compiles, one per version of a profile and of what it read (bases, and the
// names resolution tried): the gate (status, workloads, admission) and the expected hashes
// (reading the nodes' digests) share them, so a tenant's costly profile is compiled once per
// change, not once per asker. Bounded: the least recently used are dropped past a budget.
import { Counter, type Registry } from "prom-client";
import type { SeccompProfile } from "../../api/seccomp-profile.js";
import type { Informer } from "../../kube/informer.js";
import { objectKey } from "../../kube/objects.js";
import { compileObject, type Compiled } from "../../profile/compile.js";
import type { Diagnostic } from "../../profile/diagnostics.js";
import type { OciSeccomp } from "../../profile/render.js";
import { ok, type Result } from "../../profile/result.js";

export type CompileResult = Result<Compiled, Diagnostic[]>;

export interface ProfileCompilesOptions {
  profiles: Pick<Informer<SeccompProfile>, "get" | "addHandler">;
  catalogueNamespace: string;
  /** Kept at most, by weight (see weightOf); 64 MiB unless said. */
  maxBytes?: number;
  /** Kept at most, by count; 50,000 unless said. */
  maxEntries?: number;
  /** Counts compiles as `seccomp_controller_profile_compiles_total`. */
  registry?: Registry;
  /** The engine's compile; a test may wrap it to count calls. */
  compile?: typeof compileObject;
}

interface Memo {
  /** The version of every profile the compile read, its own included (undefined: it was absent). */
  read: Map<string, string | undefined>;
  result: CompileResult;
  weight: number;
}

/**
 * What identifies a profile's spec: its uid and generation (which status and metadata writes
 * leave alone; the uid tells a profile from one deleted and created again under its name), or
 * its resourceVersion for an object without them.
 */
function versionOf(object: SeccompProfile | undefined): string | undefined {
  if (object === undefined) return undefined;
  const { uid, generation, resourceVersion } = object.metadata;
  return uid !== undefined && generation !== undefined ? `${uid}/${generation}` : `rv ${resourceVersion ?? ""}`;
}

/**
 * About the bytes one result keeps: the rendered JSON, and the spec it was rendered from, which
 * takes about as much again; the text of each diagnostic.
 */
function weightOf(result: CompileResult): number {
  const diagnostics = result.ok ? result.value.findings : result.error;
  let weight = result.ok ? 2 * result.value.rendered.json.length : 0;
  for (const d of diagnostics) weight += 64 + d.path.length + d.message.length + (d.hint?.length ?? 0);
  return weight;
}

/**
 * The result as kept: the rendered document is a third copy of the rules (after the spec and the
 * JSON) that only start-failure findings read, so it is parsed back from the JSON when asked.
 */
function slim(result: CompileResult): CompileResult {
  if (!result.ok) return result;
  const { json, hash } = result.value.rendered;
  const rendered = {
    json,
    hash,
    get document(): OciSeccomp {
      return JSON.parse(json) as OciSeccomp;
    },
  };
  return ok({ ...result.value, rendered });
}

export class ProfileCompiles {
  /** By profile key, least recently used first (a Map keeps insertion order). */
  private readonly memo = new Map<string, Memo>();
  private weight = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly compiles: Counter | undefined;
  private readonly engineCompile: typeof compileObject;

  constructor(private readonly o: ProfileCompilesOptions) {
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.maxEntries = o.maxEntries ?? 50_000;
    this.engineCompile = o.compile ?? compileObject;
    this.compiles =
      o.registry === undefined
        ? undefined
        : new Counter({ name: "seccomp_controller_profile_compiles_total", help: "Profiles compiled: once per change of a profile or of what it reads, while kept in the bounded memo.", registers: [o.registry] });
    // Keys are tenants' names: a deleted profile's compile goes with it.
    o.profiles.addHandler({ onDelete: (p) => this.drop(objectKey(p)) });
  }

  /** compileObject with bases from the cache, once per version of everything it read. */
  compile(object: SeccompProfile): CompileResult {
    const key = objectKey(object);
    const known = this.memo.get(key);
    if (known !== undefined && known.read.get(key) === versionOf(object) && this.unchanged(key, known.read)) {
      // Most recently used goes last.
      this.memo.delete(key);
      this.memo.set(key, known);
      return known.result;
    }
    const read = new Map<string, string | undefined>([[key, versionOf(object)]]);
    const result = this.engineCompile(
      object,
      (ns, n) => {
        const found = this.o.profiles.get(`${ns}/${n}`);
        read.set(`${ns}/${n}`, versionOf(found));
        return found;
      },
      this.o.catalogueNamespace,
    );
    this.compiles?.inc();
    this.drop(key);
    const memo = { read, result: slim(result), weight: weightOf(result) };
    this.memo.set(key, memo);
    this.weight += memo.weight;
    for (const [oldest, entry] of this.memo) {
      if (this.weight <= this.maxBytes && this.memo.size <= this.maxEntries) break;
      if (entry === memo) break;
      this.drop(oldest);
    }
    return memo.result;
  }

  /** How many compiles are kept, and their weight: for tests and the scale bench. */
  get size(): { entries: number; weight: number } {
    return { entries: this.memo.size, weight: this.weight };
  }

  private drop(key: string): void {
    const entry = this.memo.get(key);
    if (entry === undefined) return;
    this.memo.delete(key);
    this.weight -= entry.weight;
  }

  private unchanged(own: string, read: ReadonlyMap<string, string | undefined>): boolean {
    for (const [key, version] of read) if (key !== own && versionOf(this.o.profiles.get(key)) !== version) return false;
    return true;
  }
}
