// Graceful shutdown on SIGTERM/SIGINT: the kubelet sends SIGTERM and kills
// after terminationGracePeriodSeconds, so components stop in the reverse of
// the order they started (stop taking work, finish it, release the leader
// lease, close the health server) within a time limit, then the process exits.
import { constants } from "node:os";
import { createLogger, errorMessage, type Logger } from "./logger.js";

export type StopFunction = () => void | Promise<void>;

export interface ShutdownOptions {
  /** Time for all stop functions together; default 20 s (under the kubelet's 30 s default). */
  timeoutMs?: number;
  logger?: Logger;
  /** Default process.exit; replaceable in tests. */
  exit?: (code: number) => void;
}

export class Shutdown {
  private readonly steps: Array<{ name: string; stop: StopFunction }> = [];
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private running: Promise<number> | undefined;
  private readonly listeners = new Map<NodeJS.Signals, () => void>();

  constructor(options: ShutdownOptions = {}) {
    this.logger = options.logger ?? createLogger("shutdown");
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Aborts when shutdown begins, for loops that should stop taking work. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Registers a stop function; they run newest first. */
  register(name: string, stop: StopFunction): void {
    this.steps.push({ name, stop });
  }

  /** Shuts down on the first SIGTERM or SIGINT; a second one exits at once. */
  install(signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): void {
    for (const sig of signals) {
      if (this.listeners.has(sig)) continue;
      const listener = () => {
        if (this.running) {
          this.logger.warn("second signal, exiting now", { signal: sig });
          this.exit(128 + (constants.signals[sig] ?? 0));
          return;
        }
        void this.shutdown(`signal ${sig}`);
      };
      this.listeners.set(sig, listener);
      process.on(sig, listener);
    }
  }

  uninstall(): void {
    for (const [sig, listener] of this.listeners) process.off(sig, listener);
    this.listeners.clear();
  }

  /**
   * Runs the stop functions newest first, each after the previous one
   * finished, all within the time limit; then exits with 0, or 1 if a step
   * failed or time ran out. Resolves with that code (before exiting).
   */
  shutdown(reason: string, exitCode = 0): Promise<number> {
    this.running ??= this.runSteps(reason, exitCode).then((code) => {
      this.uninstall();
      this.exit(code);
      return code;
    });
    return this.running;
  }

  private async runSteps(reason: string, exitCode: number): Promise<number> {
    this.logger.info("shutting down", { reason });
    this.controller.abort();
    let failed = false;
    const steps = async () => {
      for (const { name, stop } of [...this.steps].reverse()) {
        const t = Date.now();
        try {
          await stop();
          this.logger.debug("stopped", { step: name, ms: Date.now() - t });
        } catch (err) {
          failed = true;
          this.logger.error("stop failed", { step: name, error: errorMessage(err) });
        }
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
    });
    const outcome = await Promise.race([steps().then(() => "done" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.logger.error("shutdown timed out", { timeoutMs: this.timeoutMs });
      return 1;
    }
    return failed ? 1 : exitCode;
  }
}
