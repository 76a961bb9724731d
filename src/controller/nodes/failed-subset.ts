// Which of a bucket's known profiles a node failed, from the bucket's failure record (count
// and XOR of 256-bit marks): a linear system over GF(2), solved by elimination. With a
// bucket's few profiles (and at most 256) the marks are independent, so the answer is unique;
// when it is not, or nothing fits (a failure of a profile this controller does not know),
// the answer is "cannot tell", and the bucket is not confirmed.
import type { FailedBucket } from "../../api/failure-digest.js";

/** The keys whose marks XOR to the record's, exactly `count` of them; undefined when there is no single such set. */
export function failedSubset(keys: readonly string[], markOf: (key: string) => Uint8Array, record: FailedBucket): Set<string> | undefined {
  if (record.count === 0) return new Set();
  // Each basis row: a reduced vector, and which keys it is the XOR of.
  const basis = new Map<number, { vector: bigint; of: bigint }>();
  const reduce = (vector: bigint, of: bigint) => {
    for (;;) {
      if (vector === 0n) return { vector, of };
      const row = basis.get(highBit(vector));
      if (row === undefined) return { vector, of };
      vector ^= row.vector;
      of ^= row.of;
    }
  };
  for (let i = 0; i < keys.length; i++) {
    const reduced = reduce(toBigInt(markOf(keys[i]!)), 1n << BigInt(i));
    // A dependent mark: more than one set could fit.
    if (reduced.vector === 0n) return undefined;
    basis.set(highBit(reduced.vector), reduced);
  }
  const target = reduce(toBigInt(record.xor), 0n);
  if (target.vector !== 0n) return undefined;
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i++) if ((target.of >> BigInt(i)) & 1n) out.add(keys[i]!);
  return out.size === record.count ? out : undefined;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function highBit(v: bigint): number {
  return v.toString(2).length;
}
