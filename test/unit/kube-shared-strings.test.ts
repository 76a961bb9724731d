import assert from "node:assert/strict";
import { shareStrings, sharedString } from "../../src/kube/shared-strings.js";

describe("shared strings", () => {
  it("gives back an equal string for any string, those that look like numbers or prototypes too", () => {
    for (const s of ["", "a", "operator/shop/web.json", "123", "4294967295", "__proto__", "constructor", "x".repeat(300)]) assert.equal(sharedString(s), s);
  });

  it("replaces every string of a parsed JSON value in place, leaving other values as they are", () => {
    const text = JSON.stringify({ metadata: { namespace: "team-a", uid: "u" }, spec: { list: ["clock_gettime", 1, null, true, { deep: ["rt_sigprocmask"] }] }, count: 2 });
    const value = JSON.parse(text);
    assert.equal(shareStrings(value), value);
    assert.equal(JSON.stringify(value), text);
  });
});
