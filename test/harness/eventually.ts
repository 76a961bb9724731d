// Retrying an assertion until it holds: controllers converge asynchronously,
// so tests state the end state and allow a bounded time to reach it.
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export async function eventually<T>(assertion: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) {
        const e = err as Error;
        e.message = `still failing after ${timeoutMs} ms: ${e.message}`;
        throw e;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
