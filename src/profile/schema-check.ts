import type { z } from "zod";
import { ProfileSpecSchema, type ProfileSpec } from "../api/profile-spec.js";
import { diagnostic, formatPath, type Diagnostic } from "./diagnostics.js";
import { compileFastPath, UNDECIDED } from "./schema-fast-path.js";
import { editDistance } from "./syscall-table.js";

/** The spec schema as a plain function, for valid specs; zod itself explains what is wrong with the rest. */
export const specFastPath = compileFastPath(ProfileSpecSchema);

/**
 * Checks the shape of a candidate spec against the same zod schema the CRD is generated from,
 * so a file that passes here is one the API server accepts.
 */
export function checkSchema(candidate: unknown, prefix = "spec"): { spec?: ProfileSpec; diagnostics: Diagnostic[] } {
  const fast = specFastPath === undefined ? UNDECIDED : specFastPath(candidate);
  if (fast !== UNDECIDED) return { spec: fast as ProfileSpec, diagnostics: [] };
  const result = ProfileSpecSchema.safeParse(candidate);
  if (result.success) return { spec: result.data, diagnostics: [] };
  return { diagnostics: result.error.issues.map((issue) => toDiagnostic(issue, prefix, candidate)) };
}

function toDiagnostic(issue: z.core.$ZodIssue, prefix: string, candidate: unknown): Diagnostic {
  const path = formatPath([prefix, ...issue.path]);
  switch (issue.code) {
    case "invalid_value": {
      const received = valueAt(candidate, issue.path);
      if (received === undefined) return diagnostic("error", "required", path, "required field is missing");
      const options = issue.values.filter((v): v is string => typeof v === "string");
      const hint = typeof received === "string" ? closest(received, options) : undefined;
      return diagnostic(
        "error",
        "invalid-value",
        path,
        `${JSON.stringify(received)} is not one of ${options.join(", ")}`,
        hint === undefined ? undefined : `did you mean ${hint}?`,
      );
    }
    case "unrecognized_keys":
      return diagnostic(
        "error",
        "unknown-field",
        path,
        `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`,
        "check the spelling; field names are case-sensitive",
      );
    case "invalid_type": {
      const received = valueAt(candidate, issue.path);
      if (received === undefined) return diagnostic("error", "required", path, `required field is missing (expected ${issue.expected})`);
      return diagnostic("error", "invalid-type", path, `expected ${issue.expected}, got ${describe(received)}`);
    }
    case "too_big":
      return diagnostic("error", "too-big", path, bound(issue.origin, "at most", issue.maximum, valueAt(candidate, issue.path)));
    case "too_small":
      return diagnostic("error", "too-small", path, bound(issue.origin, "at least", issue.minimum, valueAt(candidate, issue.path)));
    case "invalid_format":
      return diagnostic("error", "invalid-format", path, `${JSON.stringify(valueAt(candidate, issue.path))} does not match ${issue.pattern ?? issue.format}`);
    default:
      return diagnostic("error", "invalid", path, issue.message);
  }
}

function bound(origin: string, word: string, limit: number | bigint, received: unknown): string {
  if (origin === "array") return `must have ${word} ${limit} item${limit === 1 ? "" : "s"}, has ${Array.isArray(received) ? received.length : "?"}`;
  if (origin === "string") return `must be ${word} ${limit} characters long`;
  if (typeof received === "number" && !Number.isSafeInteger(received) && Number.isInteger(received)) {
    return `${received} is too large to be represented exactly; must be ${word} ${limit}`;
  }
  return `${JSON.stringify(received)} must be ${word} ${limit}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && !Number.isInteger(value)) return `non-integer ${value}`;
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function closest(received: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(received.length / 3)) + 1;
  for (const option of options) {
    const d = editDistance(received.toUpperCase(), option, bestDistance);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}
