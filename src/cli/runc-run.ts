/**
 * `runc run` of one bundle with a deadline. A profile can make the container hang (for
 * example an allowlist without exit_group), so every run is bounded, killed on timeout and
 * always deleted, and state lives under the caller's own --root so runs never collide.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:os";

export interface RunResult {
  /** runc's exit status: the container's status, or 128 + signal when a signal ended it. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** runc's own error (`level=error msg=...`), set when runc, not the process, failed. */
  readonly runcError: string | undefined;
  readonly durationMs: number;
}

export interface RuncTarget {
  readonly runc: string;
  readonly stateRoot: string;
}

let counter = 0;

export function uniqueContainerId(): string {
  counter += 1;
  return `scp-${process.pid}-${counter}-${randomBytes(3).toString("hex")}`;
}

function runcQuiet(target: RuncTarget, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    execFile(target.runc, ["--root", target.stateRoot, ...args], { timeout: timeoutMs }, () => resolve());
  });
}

/** Extracts runc's error message from its logrus text output on stderr. */
export function runcErrorOf(stderr: string): string | undefined {
  const match = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  return match?.[1]?.replace(/\\(.)/g, "$1");
}

export interface BundleRunOptions {
  /** runc writes the container's first process id here. */
  pidFile?: string;
  /** A command that runs runc, e.g. strace and its options. */
  wrapper?: readonly string[];
}

export async function runBundle(target: RuncTarget, bundle: string, timeoutMs: number, options: BundleRunOptions = {}): Promise<RunResult> {
  const id = uniqueContainerId();
  const started = performance.now();
  const runc = [target.runc, "--root", target.stateRoot, "run", "--bundle", bundle, ...(options.pidFile === undefined ? [] : ["--pid-file", options.pidFile]), id];
  const [program, ...args] = [...(options.wrapper ?? []), ...runc];
  const child = spawn(program!, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    // "close" waits for the pipes too, so no output is lost.
    child.on("close", (code, signal) => resolve(code ?? (signal === null ? null : 128 + constants.signals[signal])));
  });

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // Kill the container first: runc run then reports its end and exits by itself.
    void runcQuiet(target, ["kill", id, "KILL"], 2000).then(() => {
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
    });
  }, timeoutMs);
  try {
    const status = await exited;
    const stderr = Buffer.concat(err).toString("utf8");
    return {
      status,
      stdout: Buffer.concat(out).toString("utf8"),
      stderr,
      timedOut,
      runcError: runcErrorOf(stderr),
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
    await runcQuiet(target, ["delete", "--force", id], 5000);
  }
}
