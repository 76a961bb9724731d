// A task repeated at a fixed pause after each run (never overlapping), until stopped: for
// work that polls or re-checks rather than reacting to a watch.
import { errorMessage, type Logger } from "./logger.js";

/** Runs `round` now and then every `intervalMs` until stopped; failures are logged and retried. */
export function every(intervalMs: number, round: (signal: AbortSignal) => Promise<void>, what: string, logger: Logger): { stop(): Promise<void> } {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = round(stopping.signal)
      .catch((error: unknown) => {
        if (!stopping.signal.aborted) logger.warn(`${what} failed, retrying`, { error: errorMessage(error), inMs: intervalMs });
      })
      .finally(() => {
        if (!stopping.signal.aborted) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
