import { UsageError } from "./exit-codes.js";

/** `:8081`, `0.0.0.0:8081` or `127.0.0.1:0`. */
export function parseListenAddress(value: string, flag: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port > 65535) throw new UsageError(`${flag} must be HOST:PORT or :PORT, not ${JSON.stringify(value)}`);
  // `[::]:8081`: the brackets belong to the address syntax, not to the host.
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
  return { host: host === "" ? "0.0.0.0" : host, port };
}

export function parseSeconds(value: string, flag: string, min = 0): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < min) throw new UsageError(`${flag} must be a number of seconds of at least ${min}, not ${JSON.stringify(value)}`);
  return seconds;
}

/** `--flag=true` or `--flag=false`; undefined when not given. */
export function parseBoolean(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new UsageError(`${flag} must be true or false, not ${JSON.stringify(value)}`);
}
