// Which of a bucket's known profiles a node failed, from the bucket's failure record (count
// and XOR of 256-bit marks): a linear system over GF(2), solved by elimination. With a
// bucket's few profiles (and at most 256) the marks are independent, so the answer is unique;
// when it is not, or nothing fits (a failure of a profile this controller does not know),
// the answer is "cannot tell", and the bucket is not confirmed.
import type { FailedBucket } from "../../api/failure-digest.js";

const WORDS = 8;

interface Row {
  /** The reduced mark, as 32-bit words, most significant first. */
  vector: Uint32Array;
  /** Which keys it is the XOR of, as a bit set. */
  of: Uint32Array;
}

/** The keys whose marks XOR to the record's, exactly `count` of them; undefined when there is no single such set. */
export function failedSubset(keys: readonly string[], markOf: (key: string) => Uint8Array, record: FailedBucket): Set<string> | undefined {
  if (record.count === 0) return new Set();
  if (record.count > keys.length) return undefined;
  const setWords = Math.ceil(keys.length / 32);
  // Rows by their pivot, the highest bit set in their vector.
  const basis = new Map<number, Row>();
  const reduce = (row: Row): number => {
    for (;;) {
      const pivot = highBit(row.vector);
      const other = pivot < 0 ? undefined : basis.get(pivot);
      if (other === undefined) return pivot;
      for (let w = 0; w < WORDS; w++) row.vector[w]! ^= other.vector[w]!;
      for (let w = 0; w < setWords; w++) row.of[w]! ^= other.of[w]!;
    }
  };
  for (let i = 0; i < keys.length; i++) {
    const row = { vector: words(markOf(keys[i]!)), of: new Uint32Array(setWords) };
    row.of[i >>> 5]! |= 1 << (i & 31);
    const pivot = reduce(row);
    // A dependent mark: more than one set could fit.
    if (pivot < 0) return undefined;
    basis.set(pivot, row);
  }
  const target = { vector: words(record.xor), of: new Uint32Array(setWords) };
  if (reduce(target) >= 0) return undefined;
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i++) if ((target.of[i >>> 5]! >>> (i & 31)) & 1) out.add(keys[i]!);
  return out.size === record.count ? out : undefined;
}

function words(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) out[w] = ((bytes[w * 4]! << 24) | (bytes[w * 4 + 1]! << 16) | (bytes[w * 4 + 2]! << 8) | bytes[w * 4 + 3]!) >>> 0;
  return out;
}

/** The index of the highest set bit (255 for the first bit of the first word), -1 for zero. */
function highBit(vector: Uint32Array): number {
  for (let w = 0; w < WORDS; w++) if (vector[w] !== 0) return (WORDS - w) * 32 - 1 - Math.clz32(vector[w]!);
  return -1;
}
