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
 * keeps the last value of each, where other parsers keep the first). One pass over the text;
 * keys are compared after unescaping, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKeys(text: string): DuplicateKey[] {
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
