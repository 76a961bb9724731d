// Cached shapes without the fields they do not set.

/**
 * Only the fields that are set: a cache of 50,000 pods pays for every field left undefined and
 * every empty list; the readers of a shape treat a missing field as unset, as the API does.
 * Undefined when nothing is set.
 */
export function setFields<T extends object>(fields: T): T | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
    any = true;
  }
  return any ? (out as T) : undefined;
}
