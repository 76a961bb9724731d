import assert from "node:assert/strict";
import { stat } from "node:fs";
import { KeyedBackoff } from "../../src/kube/backoff.js";
import { createLogger } from "../../src/kube/logger.js";
import { WorkQueue, type WorkQueueOptions } from "../../src/kube/work-queue.js";

const quiet = createLogger("test", "silent");

function queue(options: WorkQueueOptions = {}): WorkQueue {
  return new WorkQueue({ logger: quiet, backoff: { initialMs: 5, maxMs: 1000 }, ...options });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe("work queue", () => {
  it("holds a key at most once however often it is added", async () => {
    const q = queue();
    for (const key of ["a", "b", "a", "a", "c", "b"]) q.add(key);
    assert.equal(q.len(), 3);
    const seen: string[] = [];
    const running = q.run(1, async (key) => {
      seen.push(key);
    });
    await until(() => seen.length === 3);
    await q.shutdown();
    await running;
    assert.deepEqual(seen, ["a", "b", "c"]);
    assert.equal(q.stats().adds, 6);
  });

  it("takes keys from one group after another, so a flood in one group does not delay another's key behind it", async () => {
    const q = queue({ groupOf: (key) => key.slice(0, key.indexOf("/")) });
    for (let i = 0; i < 1000; i++) q.add(`flood/p${i}`);
    q.add("quiet/p");
    q.add("other/p");
    const seen: string[] = [];
    const running = q.run(1, async (key) => {
      seen.push(key);
    });
    await until(() => seen.length === 1002);
    await q.shutdown();
    await running;
    assert.deepEqual(seen.slice(0, 4), ["flood/p0", "quiet/p", "other/p", "flood/p1"]);
    assert.equal(new Set(seen).size, 1002);
  });

  it("never gives one key to two workers at once, and processes a key added meanwhile once more", async () => {
    const q = queue();
    const active = new Set<string>();
    const overlaps: string[] = [];
    const runs = new Map<string, number>();
    const gate = deferred();
    const running = q.run(4, async (key) => {
      if (active.has(key)) overlaps.push(key);
      active.add(key);
      runs.set(key, (runs.get(key) ?? 0) + 1);
      if (key === "x" && runs.get(key) === 1) await gate.promise;
      await tick();
      active.delete(key);
    });
    q.add("x");
    await until(() => runs.get("x") === 1);
    // Four idle workers and "x" added again and again while it is being processed.
    for (let i = 0; i < 10; i++) {
      q.add("x");
      q.add("y");
      await tick();
    }
    assert.equal(runs.get("x"), 1, "x is not handed out while it is processed");
    assert.equal(q.len(), 0, "x waits outside the queue until its processing ends");
    gate.resolve();
    await until(() => runs.get("x") === 2);
    await until(() => q.stats().processing === 0 && q.len() === 0);
    await q.shutdown();
    await running;
    assert.deepEqual(overlaps, []);
    assert.equal(runs.get("x"), 2, "the adds during processing become exactly one more run");
  });

  it("re-queues a key its own handler adds, after the handler returns", async () => {
    const q = queue();
    let runs = 0;
    let overlapped = false;
    let inside = false;
    const running = q.run(2, async (key) => {
      overlapped ||= inside;
      inside = true;
      runs++;
      if (runs === 1) q.add(key);
      await tick();
      inside = false;
    });
    q.add("k");
    await until(() => runs === 2);
    await until(() => q.stats().processing === 0);
    await q.shutdown();
    await running;
    assert.equal(runs, 2);
    assert.equal(overlapped, false);
  });

  it("runs at most the given number of handlers at once", async () => {
    const q = queue();
    let current = 0;
    let highest = 0;
    const gate = deferred();
    let done = 0;
    const running = q.run(3, async () => {
      current++;
      highest = Math.max(highest, current);
      await gate.promise;
      current--;
      done++;
    });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await until(() => current === 3);
    await tick();
    assert.equal(current, 3);
    assert.equal(q.len(), 7);
    assert.equal(q.stats().processing, 3);
    gate.resolve();
    await until(() => done === 10);
    await q.shutdown();
    await running;
    assert.equal(highest, 3);
  });

  it("retries a failing key with exponential backoff and resets it on success", async () => {
    const q = queue({ backoff: { initialMs: 10, maxMs: 1000 } });
    const times: number[] = [];
    const running = q.run(1, async () => {
      times.push(Date.now());
      if (times.length <= 4) throw new Error("not yet");
    });
    q.add("flaky");
    await until(() => times.length === 5);
    await until(() => q.stats().processing === 0);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Delays of 10, 20, 40 and 80 ms; timers never fire early.
    [10, 20, 40, 80].forEach((min, i) => assert.ok(gaps[i]! >= min - 1, `gap ${i} was ${gaps[i]} ms, expected >= ${min}`));
    assert.ok(gaps[3]! > gaps[0]!, `backoff grows: ${gaps.join(", ")}`);
    assert.equal(q.numRequeues("flaky"), 0, "success forgets the failures");
    assert.deepEqual({ retries: q.stats().retries, failures: q.stats().failures, completed: q.stats().completed }, { retries: 4, failures: 4, completed: 1 });
    await q.shutdown();
    await running;
  });

  it("computes per-key delays: doubling, capped, independent per key, reset by forget", () => {
    const b = new KeyedBackoff({ initialMs: 100, maxMs: 1000 });
    assert.deepEqual([b.when("a"), b.when("a"), b.when("a"), b.when("a"), b.when("a"), b.when("a")], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.when("b"), 100);
    assert.equal(b.retries("a"), 6);
    b.forget("a");
    assert.equal(b.retries("a"), 0);
    assert.equal(b.when("a"), 100);
  });

  it("counts rate-limited re-adds per key until forget", () => {
    const q = queue({ backoff: { initialMs: 60_000, maxMs: 600_000 } });
    assert.equal(q.addRateLimited("a"), 60_000);
    assert.equal(q.addRateLimited("a"), 120_000);
    assert.equal(q.numRequeues("a"), 2);
    assert.equal(q.stats().delayed, 1, "one pending delay per key");
    q.forget("a");
    assert.equal(q.numRequeues("a"), 0);
    assert.equal(q.addRateLimited("a"), 60_000);
    void q.shutdown();
    assert.equal(q.stats().delayed, 0, "shutdown drops delayed keys and their timers");
  });

  it("requeues after the delay a handler asks for, without counting a failure", async () => {
    const q = queue();
    const times: number[] = [];
    const running = q.run(1, async () => {
      times.push(Date.now());
      return times.length === 1 ? { requeueAfter: 30 } : undefined;
    });
    q.add("periodic");
    await until(() => times.length === 2);
    assert.ok(times[1]! - times[0]! >= 29, `requeued after ${times[1]! - times[0]!} ms`);
    assert.equal(q.stats().failures, 0);
    await q.shutdown();
    await running;
  });

  it("keeps the earliest of several delays for one key", async () => {
    const q = queue();
    q.addAfter("k", 10_000);
    q.addAfter("k", 5);
    q.addAfter("k", 20_000);
    assert.equal(q.stats().delayed, 1);
    await until(() => q.len() === 1);
    await q.shutdown();
  });

  it("keeps the earliest delay when the wall clock steps between two requests (NTP)", async () => {
    const q = queue();
    const realNow = Date.now;
    try {
      q.addAfter("k", 60_000);
      // An hour later by the wall clock, a few milliseconds later in fact: 5 ms is the earlier.
      Date.now = () => realNow() + 3_600_000;
      q.addAfter("k", 5);
    } finally {
      Date.now = realNow;
    }
    await until(() => q.len() === 1);
    await q.shutdown();
  });

  it("polls I/O between any two keys, however many idle workers one burst of adds wakes", async () => {
    const q = queue();
    const order: string[] = [];
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const running = q.run(4, async (key) => {
      busy(20);
      order.push(key);
    });
    await tick();
    for (const key of ["a", "b", "c", "d"]) q.add(key);
    // Done on libuv's threads long before the first handler returns; seen only when I/O is polled.
    stat(import.meta.filename, () => order.push("I/O"));
    await until(() => order.length === 5);
    assert.ok(order.indexOf("I/O") < order.indexOf("b"), `I/O waited for ${order.join(", ")}`);
    await q.shutdown();
    await running;
  });

  it("shuts down: in-flight handlers finish (their signal aborted), queued and later keys are dropped", async () => {
    const q = queue();
    const started = deferred();
    const release = deferred();
    let aborted: boolean | undefined;
    const seen: string[] = [];
    const running = q.run(1, async (key, signal) => {
      seen.push(key);
      started.resolve();
      await release.promise;
      aborted = signal.aborted;
    });
    q.add("a");
    q.add("b");
    q.addAfter("c", 5);
    await started.promise;
    const stopping = q.shutdown();
    q.add("d");
    assert.equal(q.len(), 0);
    assert.equal(q.shuttingDown, true);
    release.resolve();
    await stopping;
    await running;
    assert.deepEqual(seen, ["a"]);
    assert.equal(aborted, true);
    assert.equal(await q.get(), undefined, "get answers undefined once shut down");
  });

  it("drains: processes what is queued, refuses new keys, then stops", async () => {
    const q = queue();
    const seen: string[] = [];
    const gate = deferred();
    const running = q.run(2, async (key) => {
      await gate.promise;
      seen.push(key);
      q.add(`${key}-again`);
    });
    for (const key of ["a", "b", "c", "d"]) q.add(key);
    await until(() => q.stats().processing === 2);
    const draining = q.drain();
    q.add("late");
    gate.resolve();
    await draining;
    await running;
    assert.deepEqual(seen.sort(), ["a", "b", "c", "d"]);
  });

  it("logs a failure with the key", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger("test", "silent");
    logger.error = ((message: string, meta: Record<string, unknown>) => {
      lines.push({ message, ...meta });
      return logger;
    }) as typeof logger.error;
    const q = new WorkQueue({ name: "profiles", logger, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    const running = q.run(1, async () => {
      throw new Error("boom");
    });
    q.add("ns/p");
    await until(() => lines.length === 1);
    assert.deepEqual(lines[0], { message: "reconcile failed", queue: "profiles", key: "ns/p", error: "boom", retries: 1, retryInMs: 60_000 });
    await q.shutdown();
    await running;
  });
});
