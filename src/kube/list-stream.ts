// A list response read item by item as it arrives. The API server answers a list served from
// its watch cache (resourceVersion 0) in one response whatever the limit, so a cluster's 50,000
// pods arrive as one body of hundreds of megabytes: parsed whole, it would be held whole.
import type { Readable } from "node:stream";

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/**
 * Yields the JSON text of each element of the top-level `items` array, and gives the rest of
 * the document (with `items` empty) to `envelope` at the end. The API server's JSON is well
 * formed; what this does not understand is left to JSON.parse to refuse.
 */
export async function* listItems(stream: Readable, envelope: (rest: string) => void): AsyncGenerator<string> {
  stream.setEncoding("utf8");
  const outside: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Depth of the items array while inside it, else -1. */
  let itemsDepth = -1;
  let item = "";
  let inItem = false;
  for await (const chunk of stream as AsyncIterable<string>) {
    let outsideFrom = itemsDepth < 0 ? 0 : -1;
    let itemFrom = inItem ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (c === OPEN_ARRAY && depth === 1 && itemsDepth < 0 && /"items"\s*:\s*$/.test(outside.join("") + chunk.slice(outsideFrom, i))) {
          outside.push(chunk.slice(outsideFrom, i + 1));
          outsideFrom = -1;
          itemsDepth = depth + 1;
        } else if (itemsDepth >= 0 && depth === itemsDepth) {
          inItem = true;
          itemFrom = i;
        }
        depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (inItem && depth === itemsDepth) {
          yield item + chunk.slice(itemFrom, i + 1);
          item = "";
          inItem = false;
          itemFrom = -1;
        } else if (itemsDepth >= 0 && depth === itemsDepth - 1) {
          itemsDepth = -1;
          outsideFrom = i;
        }
      }
    }
    if (inItem) item += chunk.slice(itemFrom);
    if (outsideFrom >= 0) outside.push(chunk.slice(outsideFrom));
  }
  envelope(outside.join(""));
}
