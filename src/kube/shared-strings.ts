// Equal strings as one copy. JSON.parse gives every object its own copy of each string longer
// than a few characters: 50,000 cached pods repeat their namespace and profile path 50,000 times,
// and 10,000 profiles the same syscall names. V8 keeps one copy of every string used as a
// property key in its string table, which lets go of a string once nothing uses it, so sharing
// through it needs no table of our own to clean up.

/** Strings longer than this are rarely repeated, and hashing them costs more than they would save. */
const MAX_SHARED_LENGTH = 256;

/**
 * A property of this object in dictionary mode (as it is once it has had many properties) is a
 * string table entry without a hidden class of its own: a literal `{ [s]: 0 }` would make one for
 * every string.
 */
const probe: Record<string, number> = Object.create(null);
for (let i = 0; i < 64; i++) probe[`p${i}`] = 0;
for (let i = 0; i < 64; i++) delete probe[`p${i}`];

/** The one copy of `s` that every other user of an equal string gets too. */
export function sharedString(s: string): string {
  if (s.length > MAX_SHARED_LENGTH) return s;
  probe[s] = 0;
  const shared = Object.keys(probe)[0]!;
  delete probe[s];
  return shared;
}

/** Replaces, in place, every string in a JSON value (objects and arrays, as parsed) by its shared copy. */
export function shareStrings<T>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "string") value[i] = sharedString(item);
      else if (typeof item === "object" && item !== null) shareStrings(item);
    }
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === "string") record[key] = sharedString(item);
      else if (typeof item === "object" && item !== null) shareStrings(item);
    }
  }
  return value;
}
