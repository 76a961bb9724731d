// Child processes of the test control plane: started in their own process
// groups, logging to files, and stopped as a group, so that nothing survives
// the test run, whether it passes, fails, is interrupted or is killed.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, appendFileSync, existsSync } from "node:fs";

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited; never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited. */
  exitInfo(): ExitInfo | undefined;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ManagedProcess>();
let pidFile: string | undefined;

/**
 * Every process group started from now on is appended to `file`, which the
 * reaper (see startReaper) reads if this process dies without cleaning up.
 */
/** Returns a function that records in the previous file again (a second control plane stops before the first). */
export function recordPidsIn(file: string): () => void {
  const previous = pidFile;
  pidFile = file;
  return () => {
    if (pidFile === file) pidFile = previous;
  };
}

export function startProcess(options: SpawnOptions): ManagedProcess {
  installExitHandlers();
  const out = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Own process group: killable as a unit by negative pid, and not hit by
      // the terminal's Ctrl-C directly, so that shutdown happens in our order.
      detached: true,
      stdio: ["ignore", out, out],
    });
  } finally {
    closeSync(out);
  }
  if (child.pid === undefined) {
    throw new Error(`${options.name}: could not start ${options.command}`);
  }
  const pid = child.pid;
  if (pidFile) appendFileSync(pidFile, `${pid}\n`);
  // The test run must be able to end while these run; teardown stops them.
  child.unref();

  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
    child.once("error", (err) => {
      appendFileSync(options.logFile, `\n[harness] spawn error: ${err.message}\n`);
      info = { code: null, signal: null };
      resolve(info);
    });
  });

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    exitInfo: () => info,
    async stop(graceMs = 5000) {
      if (!info) {
        signalGroup(pid, "SIGTERM");
        const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Anything the process forked into its group goes too.
      signalGroup(pid, "SIGKILL");
      live.delete(managed);
    },
  };
  live.add(managed);
  return managed;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kills every process group still running, synchronously. */
export function killAllNow(): void {
  for (const p of live) signalGroup(p.pid, "SIGKILL");
  live.clear();
}

/** The last `lines` lines of a log file, for error messages. */
export function tailLog(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, "utf8").trimEnd();
  return text.split("\n").slice(-lines).join("\n");
}

const exitCallbacks: Array<() => void> = [];

/** Runs `fn` synchronously when this process exits or is interrupted. */
export function onExit(fn: () => void): void {
  installExitHandlers();
  exitCallbacks.push(fn);
}

let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanup = () => {
    killAllNow();
    for (const fn of exitCallbacks.splice(0)) {
      try {
        fn();
      } catch {
        // Best effort: the process is going away.
      }
    }
  };
  process.once("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanup();
      // Exit with the conventional status for death by that signal.
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
}

/**
 * Starts a detached shell that waits for this process to die and then kills
 * every process group listed in `pidFileToRead` and removes `dir`. It covers
 * the one case exit handlers cannot: this process being SIGKILLed (a CI time
 * limit, an OOM kill). Stopped by the normal teardown. bash, not sh: dash's
 * kill cannot signal a process group.
 */
export function startReaper(pidFileToRead: string, dir: string): () => void {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
    if [ -f "$1" ]; then
      while read -r pid; do [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null; done < "$1"
    fi
    rm -rf -- "$2"
  `;
  const reaper = spawn("bash", ["-c", script, "reaper", pidFileToRead, dir], {
    detached: true,
    stdio: "ignore",
  });
  reaper.unref();
  const pid = reaper.pid;
  return () => {
    if (pid !== undefined) signalGroup(pid, "SIGKILL");
  };
}
