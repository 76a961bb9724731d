import assert from "node:assert/strict";
import { ReviewCache } from "../../src/kube/review-cache.js";

describe("review cache", () => {
  it("keeps an answer for its time to live, then forgets it", () => {
    let now = 0;
    const cache = new ReviewCache<string>({ ttlMs: 10_000, now: () => now });
    cache.set("a", "allowed");
    now = 9_999;
    assert.equal(cache.get("a"), "allowed");
    now = 10_000;
    assert.equal(cache.get("a"), undefined);
    assert.equal(cache.size, 0);
  });

  it("holds no more than its limit whatever the number of tokens, dropping the oldest first", () => {
    const cache = new ReviewCache<number>({ maxEntries: 100 });
    for (let i = 0; i < 100_000; i++) cache.set(ReviewCache.keyOf(`random-${i}`), i);
    assert.equal(cache.size, 100);
    assert.equal(cache.get(ReviewCache.keyOf("random-0")), undefined);
    assert.equal(cache.get(ReviewCache.keyOf("random-99899")), undefined);
    assert.equal(cache.get(ReviewCache.keyOf("random-99900")), 99_900);
    assert.equal(cache.get(ReviewCache.keyOf("random-99999")), 99_999);
  });

  it("renews an answer set again, so that it is not the next to go", () => {
    const cache = new ReviewCache<number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    cache.set("c", 4);
    assert.equal(cache.get("a"), 3);
    assert.equal(cache.get("b"), undefined);
    assert.equal(cache.get("c"), 4);
  });

  it("keys by a digest, never by the token itself", () => {
    const key = ReviewCache.keyOf("secret-token");
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.ok(!key.includes("secret-token"));
  });

  it("refuses a limit below one", () => {
    assert.throws(() => new ReviewCache({ maxEntries: 0 }), /at least one entry/);
  });
});
