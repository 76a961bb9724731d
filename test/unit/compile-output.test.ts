import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COMPILE_OUTPUTS, compileOutputs } from "../compile-outputs.js";

describe("the engine's output on a fixed set of inputs", () => {
  const pinned = JSON.parse(readFileSync(COMPILE_OUTPUTS, "utf8")) as ReturnType<typeof compileOutputs>;
  const now = JSON.parse(JSON.stringify(compileOutputs())) as ReturnType<typeof compileOutputs>;

  it("covers the same inputs as the pinned outputs", () => {
    assert.deepEqual(now.map((o) => o.input), pinned.map((o) => o.input));
  });

  // Rendered bytes (by their sha256), every diagnostic and finding: the same, to the character.
  for (const [i, output] of now.entries()) {
    it(`is unchanged for ${output.input}`, () => {
      assert.deepEqual(output, pinned[i]);
    });
  }
});
