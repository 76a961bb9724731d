import { formatPath } from "./diagnostics.js";

export interface DuplicateKey {
  /** The duplicated key's field path, e.g. `syscalls[2].action`. */
  path: string;
  line: number;
  column: number;
  firstLine: number;
  firstColumn: number;
}

interface Frame {
  object: boolean;
  keys?: Map<string, number>;
  /** The key or index the value being read belongs to. */
  at: string | number | undefined;
  expectKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Duplicate keys of the objects in a JSON text that JSON.parse has accepted (which silently
 * keeps the last value of each, where other parsers keep the first), given what it returned.
 * Keys are compared after unescaping, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKeys(text: string, parsed: unknown): DuplicateKey[] {
  // Every key is followed by a colon, and the parsed value has fewer keys than the text exactly
  // when some object repeats one: as many colons as parsed keys means no key is repeated. The two
  // counts are a fraction of the scan that says where (colons in strings only send a text there).
  if (colonsIn(text) === keysIn(parsed)) return [];
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      const top = stack[stack.length - 1];
      if (top !== undefined && top.object && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const first = top.keys!.get(key);
        if (first !== undefined) {
          const at = position(text, i);
          const was = position(text, first);
          const path = formatPath([...stack.slice(0, -1).map((f) => f.at!), key]);
          found.push({ path, line: at.line, column: at.column, firstLine: was.line, firstColumn: was.column });
        } else {
          top.keys!.set(key, i);
        }
        top.at = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */) stack.push({ object: true, keys: new Map(), at: undefined, expectKey: true });
    else if (c === 0x5b /* [ */) stack.push({ object: false, at: 0, expectKey: false });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.object) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
    i++;
  }
  return found;
}

function colonsIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) count++;
  return count;
}

/** Own keys of every object in a parsed value; a stack, not recursion, as JSON.parse takes any depth. */
function keysIn(value: unknown): number {
  let count = 0;
  const stack: unknown[] = value !== null && typeof value === "object" ? [value] : [];
  const visit = (child: unknown) => {
    if (child !== null && typeof child === "object") stack.push(child);
  };
  while (stack.length > 0) {
    const node = stack.pop() as object;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node[i]);
      continue;
    }
    for (const key in node) {
      count++;
      visit((node as Record<string, unknown>)[key]);
    }
  }
  return count;
}

function closingQuote(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const k = text.indexOf('"', from);
    let backslashes = 0;
    while (text.charCodeAt(k - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return k;
    from = k + 1;
  }
}

function position(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf("\n"); k !== -1 && k < index; k = text.indexOf("\n", k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: index - lineStart + 1 };
}
