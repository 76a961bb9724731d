import assert from "node:assert/strict";
import { createLogger } from "../../src/kube/logger.js";
import { Shutdown } from "../../src/kube/shutdown.js";

const quiet = createLogger("test", "silent");

function shutdown(timeoutMs = 1000) {
  const exits: number[] = [];
  const s = new Shutdown({ timeoutMs, logger: quiet, exit: (code) => exits.push(code) });
  return { s, exits };
}

describe("graceful shutdown", () => {
  it("runs stop functions newest first, one after another, then exits 0", async () => {
    const { s, exits } = shutdown();
    const order: string[] = [];
    s.register("informers", () => {
      order.push("informers");
    });
    s.register("queue", async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push("queue");
    });
    s.register("health", () => {
      order.push("health");
    });
    assert.equal(s.signal.aborted, false);
    const first = s.shutdown("test");
    assert.equal(s.signal.aborted, true, "long-running loops learn at once");
    assert.equal(s.shutdown("again"), first, "a second request joins the first");
    assert.equal(await first, 0);
    assert.deepEqual(order, ["health", "queue", "informers"]);
    assert.deepEqual(exits, [0]);
  });

  it("goes on past a failing step and exits 1", async () => {
    const { s, exits } = shutdown();
    const order: string[] = [];
    s.register("first", () => {
      order.push("first");
    });
    s.register("broken", () => {
      throw new Error("boom");
    });
    assert.equal(await s.shutdown("test"), 1);
    assert.deepEqual(order, ["first"]);
    assert.deepEqual(exits, [1]);
  });

  it("exits 1 when the steps take longer than the limit", async () => {
    const { s, exits } = shutdown(30);
    s.register("stuck", () => new Promise<void>(() => {}));
    const t = Date.now();
    assert.equal(await s.shutdown("test"), 1);
    assert.ok(Date.now() - t < 500);
    assert.deepEqual(exits, [1]);
  });

  it("listens for SIGTERM and SIGINT until uninstalled", () => {
    const { s } = shutdown();
    const before = { term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") };
    s.install();
    s.install();
    assert.equal(process.listenerCount("SIGTERM"), before.term + 1);
    assert.equal(process.listenerCount("SIGINT"), before.int + 1);
    s.uninstall();
    assert.equal(process.listenerCount("SIGTERM"), before.term);
    assert.equal(process.listenerCount("SIGINT"), before.int);
  });
});
