import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { listItems } from "../../src/kube/list-stream.js";

async function read(text: string, chunkSize: number): Promise<{ items: unknown[]; rest: unknown }> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize));
  let rest = "";
  const items: unknown[] = [];
  for await (const item of listItems(Readable.from(chunks.map((c) => Buffer.from(c))), (r) => (rest = r))) items.push(JSON.parse(item));
  return { items, rest: JSON.parse(rest) };
}

describe("list responses read item by item", () => {
  const list = {
    kind: "PodList",
    apiVersion: "v1",
    metadata: { resourceVersion: "42", continue: "" },
    items: [
      { metadata: { name: "a", annotations: { tricky: 'braces } ] { [ and "quotes" and \\ backslashes', "items": "[" } }, spec: { containers: [{ name: "c", args: ["[", "]"] }] } },
      { metadata: { name: "b" }, spec: {} },
      { metadata: { name: "ünïcödé ✓" } },
    ],
    after: { items: [1, 2] },
  };
  const text = JSON.stringify(list, null, 1);

  for (const size of [1, 3, 7, 64, text.length]) {
    it(`gives every item and the envelope whatever the chunks (${size} characters)`, async () => {
      const { items, rest } = await read(text, size);
      assert.deepEqual(items, list.items);
      assert.deepEqual(rest, { ...list, items: [] });
    });
  }

  it("reads an empty list", async () => {
    const { items, rest } = await read('{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]}', 5);
    assert.deepEqual(items, []);
    assert.deepEqual(rest, { kind: "PodList", metadata: { resourceVersion: "1" }, items: [] });
  });
});
