// Every profile a node failed to install, accounted for in bounded space however many there
// are: for each digest bucket holding failures, their count and the XOR of a 256-bit mark of
// each failed key. The list of failures names at most 64; this names none but misses none, so
// the controller can tell exactly which profiles of a bucket failed (`failed-subset.ts`) and
// leave them out when it checks the bucket, instead of taking them for missing installs.
import { createHash } from "node:crypto";
import { DIGEST_BUCKETS, xorInto } from "./install-digest.js";

export const MARK_BYTES = 32;
const ENTRY_BYTES = 2 + 4 + MARK_BYTES;
/** Longest base64 text: every bucket holding failures. */
export const FAILURE_TEXT_MAX_LENGTH = Math.ceil((DIGEST_BUCKETS * ENTRY_BYTES) / 3) * 4;

/** The mark of one failed profile: 256 bits, so a bucket's marks are independent and the failed set is unique. */
export function failureMark(key: string): Buffer {
  return createHash("sha256").update(`failed\n${key}`).digest();
}

export interface FailedBucket {
  count: number;
  xor: Buffer;
}

export class FailureDigest {
  private readonly entries = new Map<number, FailedBucket>();

  /** Adds or removes (the same call, with `delta` +1 or -1) one failed profile of `bucket`. */
  toggle(bucket: number, key: string, delta: 1 | -1): void {
    let entry = this.entries.get(bucket);
    if (entry === undefined) this.entries.set(bucket, (entry = { count: 0, xor: Buffer.alloc(MARK_BYTES) }));
    entry.count += delta;
    xorInto(entry.xor, failureMark(key));
    if (entry.count <= 0) this.entries.delete(bucket);
  }

  /** The failures of one bucket; count 0 when it has none. */
  bucket(index: number): FailedBucket {
    return this.entries.get(index) ?? { count: 0, xor: Buffer.alloc(MARK_BYTES) };
  }

  /** Buckets holding failures. */
  buckets(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /** Entries in bucket order: bucket (u16), count (u32), XOR of marks, big-endian. */
  encode(): string {
    const buckets = this.buckets();
    const out = Buffer.alloc(buckets.length * ENTRY_BYTES);
    buckets.forEach((b, i) => {
      const { count, xor } = this.entries.get(b)!;
      out.writeUInt16BE(b, i * ENTRY_BYTES);
      out.writeUInt32BE(count, i * ENTRY_BYTES + 2);
      xor.copy(out, i * ENTRY_BYTES + 6);
    });
    return out.toString("base64");
  }

  /** Undefined for text that is not a well-formed record. */
  static decode(text: string | undefined): FailureDigest | undefined {
    if (text === undefined || text.length > FAILURE_TEXT_MAX_LENGTH) return undefined;
    const bytes = Buffer.from(text, "base64");
    if (bytes.length % ENTRY_BYTES !== 0 || bytes.toString("base64") !== text) return undefined;
    const digest = new FailureDigest();
    for (let at = 0; at < bytes.length; at += ENTRY_BYTES) {
      const bucket = bytes.readUInt16BE(at);
      const count = bytes.readUInt32BE(at + 2);
      if (bucket >= DIGEST_BUCKETS || count === 0 || digest.entries.has(bucket)) return undefined;
      digest.entries.set(bucket, { count, xor: Buffer.from(bytes.subarray(at + 6, at + ENTRY_BYTES)) });
    }
    return digest;
  }
}
