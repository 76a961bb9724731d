// Waiting for a component to become ready, with a time limit. A failure says
// which component, why, and shows the end of its log, since that is where the
// reason almost always is (a port taken, a bad flag, etcd unreachable).
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { tailLog, type ManagedProcess } from "./processes.js";

export class ComponentStartError extends Error {}

export interface WaitOptions {
  /** What is awaited, for the error message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The process whose log is shown on failure and whose early exit fails the wait. */
  process?: ManagedProcess;
}

/** Polls `check` until it returns true; fails on time-out or if the process exits. */
export async function waitUntil(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError = "";
  for (;;) {
    const exit = options.process?.exitInfo();
    if (exit) {
      throw failure(options, `exited (code ${exit.code}, signal ${exit.signal}) before it was ready`);
    }
    try {
      if (await check()) return;
      lastError = "";
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw failure(options, `not ready after ${options.timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

function failure(options: WaitOptions, reason: string): ComponentStartError {
  const log = options.process
    ? `\n--- last lines of ${options.process.logFile} ---\n${tailLog(options.process.logFile)}\n---`
    : "";
  return new ComponentStartError(`${options.what}: ${reason}${log}`);
}

export interface ProbeOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** For components that serve a self-signed certificate of their own. */
  insecure?: boolean;
}

/** GETs a health endpoint; true on HTTP 200. */
export function probe(url: string, options: ProbeOptions = {}): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const done = (status: number | undefined) => resolve(status === 200);
    const req =
      u.protocol === "https:"
        ? request(
            u,
            {
              ca: options.caFile ? readFileSync(options.caFile) : undefined,
              cert: options.certFile ? readFileSync(options.certFile) : undefined,
              key: options.keyFile ? readFileSync(options.keyFile) : undefined,
              rejectUnauthorized: !options.insecure,
              timeout: 2000,
            },
            (res) => {
              res.resume();
              done(res.statusCode);
            },
          )
        : httpRequest(u, { timeout: 2000 }, (res) => {
            res.resume();
            done(res.statusCode);
          });
    req.on("timeout", () => req.destroy(new Error("probe timed out")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Waits for a freshly started component; if it does not come up, stops it
 * (so it cannot linger) and throws with the tail of its log.
 */
export async function awaitReady(
  process: ManagedProcess,
  check: () => Promise<boolean>,
  options: Omit<WaitOptions, "process">,
): Promise<void> {
  try {
    await waitUntil(check, { ...options, process });
  } catch (err) {
    await process.stop(1000);
    throw err;
  }
}
