// The compact form of "which profiles, at which hash, a node has installed", shared by the
// agent (which builds it) and the controller (which checks it against what it expects). A
// fixed number of buckets, each the XOR of 128-bit contributions of the `namespace/name` and
// hash of every profile in it: the same size at ten profiles or a million, and updated in
// place on every install or removal. The controller compares a bucket with the one it
// computes from the hashes it expects: equal means every profile of the bucket is installed
// at its expected hash. Which bucket a key falls in is the cluster's secret (digest-salt.ts).
import { createHash } from "node:crypto";

export const DIGEST_BUCKETS = 2048;
export const CONTRIBUTION_BYTES = 16;
/** Length of the base64 text of all buckets. */
export const DIGEST_TEXT_LENGTH = Math.ceil((DIGEST_BUCKETS * CONTRIBUTION_BYTES) / 3) * 4;

/** What one installed profile adds to its bucket: 128 bits of sha256 over key and hash. */
export function contribution(key: string, hash: string): Buffer {
  return createHash("sha256").update(`${key}\n${hash}`).digest().subarray(0, CONTRIBUTION_BYTES);
}

/** XORs `b` into `a` in place. */
export function xorInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i]! ^= b[i]!;
}

export class InstallDigest {
  private readonly bytes: Buffer;

  constructor(bytes?: Buffer) {
    this.bytes = bytes ?? Buffer.alloc(DIGEST_BUCKETS * CONTRIBUTION_BYTES);
  }

  /** Adds or removes (the same call) one profile, in its bucket, at one hash. */
  toggle(bucket: number, key: string, hash: string): void {
    const at = bucket * CONTRIBUTION_BYTES;
    xorInto(this.bytes.subarray(at, at + CONTRIBUTION_BYTES), contribution(key, hash));
  }

  bucket(index: number): Buffer {
    return this.bytes.subarray(index * CONTRIBUTION_BYTES, (index + 1) * CONTRIBUTION_BYTES);
  }

  encode(): string {
    return this.bytes.toString("base64");
  }

  /** Undefined for text that is not a digest of this size. */
  static decode(text: string | undefined): InstallDigest | undefined {
    if (text === undefined || text.length !== DIGEST_TEXT_LENGTH) return undefined;
    const bytes = Buffer.from(text, "base64");
    return bytes.length === DIGEST_BUCKETS * CONTRIBUTION_BYTES ? new InstallDigest(bytes) : undefined;
  }

  /** Buckets whose content differs between two digests; every bucket when either is missing. */
  static changedBuckets(a: InstallDigest | undefined, b: InstallDigest | undefined): number[] {
    const out: number[] = [];
    for (let i = 0; i < DIGEST_BUCKETS; i++) if (a === undefined || b === undefined || !a.bucket(i).equals(b.bucket(i))) out.push(i);
    return out;
  }
}
