import assert from "node:assert/strict";
import { z } from "zod";
import { MAX_TOTAL_NAMES, ProfileSpecSchema } from "../../src/api/profile-spec.js";
import { loadProfiles } from "../../src/profile/load.js";
import { specFastPath } from "../../src/profile/schema-check.js";
import { compileFastPath, UNDECIDED } from "../../src/profile/schema-fast-path.js";
import { corpusProfiles, readCorpus } from "../corpus.js";

/** Deterministic, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Values that sit on either side of some bound or pattern of the spec schema, or of no type it takes. */
const ODD_VALUES: unknown[] = [
  -1, 0, 1, 1.5, 5, 6, 4095, 4096, 2 ** 53 - 1, 2 ** 53, -0, "", "read", "Read", "a".repeat(64), "a".repeat(65), "9x", "x-y", "SCMP_ACT_ALLOW", "SCMP_ACT_ALOW",
  "SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG", "SCMP_CMP_MASKED_EQ", "base.profile", "Base", "b".repeat(253), "b".repeat(254), "d".repeat(1024), "d".repeat(1025),
  null, true, [], ["read"], {}, { names: ["read"], action: "SCMP_ACT_ALLOW" }, { index: 0, value: 1, op: "SCMP_CMP_EQ" },
];
const EXTRA_KEYS = ["extra", "__proto__", "constructor", "name", "comment"];

/** One mutation of a JSON value at a random place: a value replaced, a key removed or added, an element removed, duplicated or added. */
function mutate(value: unknown, next: () => number): unknown {
  const copy = structuredClone(value);
  const places: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        places.push({ parent: node, key: i });
        walk(child);
      });
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        places.push({ parent: node as Record<string, unknown>, key });
        walk(child);
      }
    }
  };
  walk(copy);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  if (places.length === 0) return pick(ODD_VALUES);
  const { parent, key } = pick(places);
  const choice = next();
  if (Array.isArray(parent)) {
    const i = key as number;
    if (choice < 0.4) parent[i] = pick(ODD_VALUES);
    else if (choice < 0.6) parent.splice(i, 1);
    else if (choice < 0.8) parent.splice(i, 0, structuredClone(parent[i]));
    else parent.push(pick(ODD_VALUES));
  } else {
    if (choice < 0.5) parent[key as string] = pick(ODD_VALUES);
    else if (choice < 0.7) delete parent[key as string];
    else Object.defineProperty(parent, pick(EXTRA_KEYS), { value: pick(ODD_VALUES), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Fast path and zod agree: what the fast path returns is zod's output, keys in the same order; on plain data zod accepts, the fast path does too. */
function assertAgrees(candidate: unknown, label: string): boolean {
  const fast = specFastPath!(candidate);
  const zod = ProfileSpecSchema.safeParse(candidate);
  if (fast === UNDECIDED) {
    assert.ok(!zod.success, `${label}: zod accepts what the fast path leaves to it: ${JSON.stringify(candidate).slice(0, 300)}`);
    return false;
  }
  assert.ok(zod.success, `${label}: the fast path accepts what zod refuses (${zod.error?.issues[0]?.message}): ${JSON.stringify(candidate).slice(0, 300)}`);
  assert.equal(JSON.stringify(fast), JSON.stringify(zod.data), label);
  assert.deepEqual(fast, zod.data, label);
  return true;
}

const validSpecs = (): unknown[] => {
  const specs = corpusProfiles().flatMap((file) => loadProfiles(readCorpus(file)).flatMap((p) => (p.spec === undefined ? [] : [p.spec])));
  const names = (count: number) => Array.from({ length: count }, (_, i) => `n${i}`);
  return [
    ...specs,
    { defaultAction: "SCMP_ACT_ERRNO" },
    { description: "d", baseProfileName: "base", defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"], flags: ["SECCOMP_FILTER_FLAG_LOG"], syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 38, args: [{ index: 5, value: 2 ** 53 - 1, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] }] },
    // At the total-names bound the top-level refinement decides; one more is refused.
    { defaultAction: "SCMP_ACT_ERRNO", syscalls: [0, 1, 2, 3].map((k) => ({ names: names(1024).map((n) => `${n}_${k}`), action: "SCMP_ACT_ALLOW" })) },
    { defaultAction: "SCMP_ACT_ERRNO", syscalls: [0, 1, 2, 3, 4].map((k) => ({ names: names(k === 4 ? 1 : 1024).map((n) => `${n}_${k}`), action: "SCMP_ACT_ALLOW" })) },
  ];
};

describe("the spec schema's fast path", () => {
  it("is compiled for the spec schema (else every check would run through zod)", () => {
    assert.equal(typeof specFastPath, "function");
  });

  it("gives zod's output for every valid profile of the corpus, keys in zod's order", () => {
    for (const spec of validSpecs().slice(0, -1)) assert.ok(assertAgrees(spec, "valid"));
    // The same keys, written in another order, come out in the schema's.
    const reordered = { syscalls: [{ action: "SCMP_ACT_ALLOW", names: ["read"] }], defaultAction: "SCMP_ACT_ERRNO" };
    assert.equal(JSON.stringify(specFastPath!(reordered)), '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}');
  });

  it(`leaves a profile of more than ${MAX_TOTAL_NAMES} names to zod, which refuses it`, () => {
    const over = validSpecs().at(-1);
    assert.equal(assertAgrees(over, "over the total"), false);
  });

  it("agrees with zod on 4,000 mutated profiles", () => {
    const next = random(11);
    const seeds = validSpecs().filter((s) => JSON.stringify(s).length < 20_000);
    let accepted = 0;
    for (let i = 0; i < 4000; i++) {
      let candidate: unknown = seeds[i % seeds.length];
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) candidate = mutate(candidate, next);
      if (assertAgrees(candidate, `mutant ${i}`)) accepted++;
    }
    // Both kinds were tried: mutants that stay valid, and ones refused.
    assert.ok(accepted > 200 && accepted < 3800, `${accepted} accepted`);
  });

  it("leaves to zod what is not plain data, and what it cannot compile", () => {
    assert.equal(specFastPath!({ defaultAction: "SCMP_ACT_ERRNO", description: undefined }), UNDECIDED);
    assert.equal(specFastPath!(Object.assign(Object.create(null) as object, { defaultAction: "SCMP_ACT_ERRNO" })), UNDECIDED);
    assert.equal(specFastPath!(new Map()), UNDECIDED);
    assert.equal(compileFastPath(z.object({ a: z.string() })), undefined, "a non-strict object");
    assert.equal(compileFastPath(z.strictObject({ a: z.string().default("x") })), undefined, "a default");
    assert.equal(compileFastPath(z.strictObject({ a: z.string().email() })), undefined, "a format");
    assert.equal(compileFastPath(z.strictObject({ a: z.coerce.number() })), undefined, "a coercion");
  });
});
