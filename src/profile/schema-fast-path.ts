import type { z } from "zod";

/** What an acceptor returns when zod has to decide (and, if it refuses, say why). */
export const UNDECIDED: unique symbol = Symbol("undecided");

/** The value zod's parse would return, or UNDECIDED. */
export type Acceptor = (value: unknown) => unknown;

/**
 * Compiles a zod schema into a plain function that, for plain data (what JSON.parse or a YAML
 * parser gives) passing every check, returns what zod's parse returns, and UNDECIDED for anything
 * else, on which the caller runs zod. Zod takes each array element through its general machinery,
 * about 100 ns per syscall name; this runs the same checks, read from the schema, in plain loops.
 * Undefined when the schema uses something this does not know: zod then always runs. Only the
 * schema's own definitions are read, so the two cannot disagree on a bound or a pattern; a unit
 * test compares both on mutated profiles.
 */
export function compileFastPath(schema: z.core.$ZodType): Acceptor | undefined {
  return compile(schema);
}

/** The parts of zod's definitions read here (zod/v4/core), loosely typed. */
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef; check: (payload: { value: unknown; issues: unknown[] }) => unknown } }[];
  shape?: Record<string, z.core.$ZodType>;
  catchall?: z.core.$ZodType;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  entries?: Record<string, unknown>;
  coerce?: boolean;
}

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: unknown;
  inclusive?: boolean;
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as Def;

function compile(schema: z.core.$ZodType): Acceptor | undefined {
  const def = defOf(schema);
  if (def.coerce === true) return undefined;
  const parse = compileType(def);
  const checks = compileChecks(def);
  if (parse === undefined || checks === undefined) return undefined;
  const { before, after } = checks;
  if (before === undefined && after === undefined) return parse;
  return (value) => {
    // Bounds first, so an oversized list is refused before its elements are read.
    if (before !== undefined && !before(value)) return UNDECIDED;
    const out = parse(value);
    return out === UNDECIDED || (after !== undefined && !after(out)) ? UNDECIDED : out;
  };
}

function compileType(def: Def): Acceptor | undefined {
  switch (def.type) {
    case "string":
      return (value) => (typeof value === "string" ? value : UNDECIDED);
    case "number":
      return (value) => (typeof value === "number" && Number.isFinite(value) ? value : UNDECIDED);
    case "enum": {
      const entries = Object.entries(def.entries ?? {});
      // z.enum of strings only: each entry is its own key.
      if (!entries.every(([key, value]) => key === value)) return undefined;
      const values = new Set(entries.map(([key]) => key));
      return (value) => (typeof value === "string" && values.has(value) ? value : UNDECIDED);
    }
    case "array": {
      if (def.element === undefined) return undefined;
      const strings = compileStrings(def.element);
      if (strings !== undefined) return strings;
      const element = compile(def.element);
      if (element === undefined) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return UNDECIDED;
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = element(value[i]);
          if (item === UNDECIDED) return UNDECIDED;
          out[i] = item;
        }
        return out;
      };
    }
    case "object":
      return compileObject(def);
    default:
      return undefined;
  }
}

/**
 * An array of strings (a profile's syscall names: most of what it holds) in one loop, each string
 * checked in place rather than through an acceptor per element.
 */
function compileStrings(schema: z.core.$ZodType): Acceptor | undefined {
  const def = defOf(schema);
  if (def.type !== "string" || def.coerce === true) return undefined;
  const checks = compileChecks(def);
  if (checks === undefined || checks.after !== undefined) return undefined;
  const check = checks.before ?? (() => true);
  return (value) => {
    if (!Array.isArray(value)) return UNDECIDED;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== "string" || !check(item)) return UNDECIDED;
      out[i] = item;
    }
    return out;
  };
}

/** A strict object: no key outside the shape; an optional one may be absent (present as undefined is left to zod). */
function compileObject(def: Def): Acceptor | undefined {
  if (def.shape === undefined || def.catchall === undefined || defOf(def.catchall).type !== "never") return undefined;
  const properties: { key: string; accept: Acceptor; optional: boolean }[] = [];
  for (const [key, schema] of Object.entries(def.shape)) {
    const optional = defOf(schema).type === "optional";
    const inner = optional ? defOf(schema).innerType : schema;
    if (inner === undefined || (optional && (defOf(schema).checks?.length ?? 0) > 0)) return undefined;
    const accept = compile(inner);
    if (accept === undefined) return undefined;
    properties.push({ key, accept, optional });
  }
  const known = new Set(properties.map((p) => p.key));
  return (value) => {
    if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return UNDECIDED;
    const input = value as Record<string, unknown>;
    for (const key in input) if (!known.has(key)) return UNDECIDED;
    // Keys in the shape's order, as zod builds its output.
    const out: Record<string, unknown> = {};
    for (const { key, accept, optional } of properties) {
      if (!Object.hasOwn(input, key)) {
        if (optional) continue;
        return UNDECIDED;
      }
      const parsed = accept(input[key]);
      if (parsed === UNDECIDED) return UNDECIDED;
      out[key] = parsed;
    }
    return out;
  };
}

type Predicate = (value: unknown) => boolean;

/**
 * Predicates that all of a schema's checks hold: bounds and formats, which read the input as zod
 * would its output (the same length, the same string; false for a value of another type, which
 * zod refuses anyway), and refinements, which zod runs on its output. Undefined for a check not
 * known here.
 */
function compileChecks(def: Def): { before?: Predicate; after?: Predicate } | undefined {
  const before: Predicate[] = [];
  const after: Predicate[] = [];
  for (const check of def.checks ?? []) {
    const predicate = checkPredicate(check._zod.def, check._zod.check);
    if (predicate === undefined) return undefined;
    (check._zod.def.check === "custom" ? after : before).push(predicate);
  }
  return { before: all(before), after: all(after) };
}

function all(predicates: Predicate[]): Predicate | undefined {
  if (predicates.length <= 1) return predicates[0];
  return (value) => {
    for (const predicate of predicates) if (!predicate(value)) return false;
    return true;
  };
}

const hasLength = (value: unknown): value is { length: number } => typeof value === "string" || Array.isArray(value);

function checkPredicate(def: CheckDef, run: (payload: { value: unknown; issues: unknown[] }) => unknown): Predicate | undefined {
  switch (def.check) {
    case "min_length": {
      const minimum = def.minimum!;
      return (value) => hasLength(value) && value.length >= minimum;
    }
    case "max_length": {
      const maximum = def.maximum!;
      return (value) => hasLength(value) && value.length <= maximum;
    }
    case "string_format": {
      const pattern = def.pattern;
      if (def.format !== "regex" || pattern === undefined) return undefined;
      return (value) => {
        pattern.lastIndex = 0;
        return typeof value === "string" && pattern.test(value);
      };
    }
    case "number_format":
      return def.format === "safeint" ? (value) => Number.isSafeInteger(value) : undefined;
    case "greater_than": {
      const bound = def.value;
      if (typeof bound !== "number") return undefined;
      return def.inclusive === true ? (value) => typeof value === "number" && value >= bound : (value) => typeof value === "number" && value > bound;
    }
    case "less_than": {
      const bound = def.value;
      if (typeof bound !== "number") return undefined;
      return def.inclusive === true ? (value) => typeof value === "number" && value <= bound : (value) => typeof value === "number" && value < bound;
    }
    case "custom":
      // A refinement is a function: run it as zod does, on the parsed value; it holds when it reports nothing.
      return (value) => {
        const payload = { value, issues: [] as unknown[] };
        const result = run(payload);
        return !(result instanceof Promise) && payload.issues.length === 0;
      };
    default:
      return undefined;
  }
}
