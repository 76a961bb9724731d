// A watch response is a stream of JSON documents, one per line; chunks of the
// HTTP body split them anywhere.
import type { Readable } from "node:stream";

/**
 * The lines of a text stream, without the newline; a last unterminated line is kept. Only each
 * new chunk is searched for a newline: a line of hundreds of kilobytes (a large object's event)
 * arrives in many chunks, and searching all that is pending after each would copy it each time.
 */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  stream.setEncoding("utf8");
  let pending: string[] = [];
  for await (const chunk of stream as AsyncIterable<string>) {
    let from = 0;
    let newline: number;
    while ((newline = chunk.indexOf("\n", from)) >= 0) {
      pending.push(chunk.slice(from, newline));
      const line = pending.join("").trim();
      pending = [];
      from = newline + 1;
      if (line) yield line;
    }
    if (from < chunk.length) pending.push(chunk.slice(from));
  }
  const rest = pending.join("").trim();
  if (rest) yield rest;
}
