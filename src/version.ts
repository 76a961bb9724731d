import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The operator's version, from package.json (shipped beside dist/ in the image). */
export function operatorVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cached;
}
