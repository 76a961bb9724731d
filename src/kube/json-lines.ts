// A watch response is a stream of JSON documents, one per line; chunks of the
// HTTP body split them anywhere.
import type { Readable } from "node:stream";

/** The lines of a text stream, without the newline; a last unterminated line is kept. */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  stream.setEncoding("utf8");
  let pending = "";
  for await (const chunk of stream) {
    pending += chunk as string;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield line;
    }
  }
  const rest = pending.trim();
  if (rest) yield rest;
}
