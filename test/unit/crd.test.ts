import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderCrdFiles, toStructural } from "../../src/api/crd.js";
import { REPO_ROOT } from "../corpus.js";

type Node = { [key: string]: unknown };

function walk(node: Node, path: string, visit: (node: Node, path: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node>) ?? {})) walk(child, `${path}.${name}`, visit);
  if (node.items !== undefined) walk(node.items as Node, `${path}[]`, visit);
  if (typeof node.additionalProperties === "object") walk(node.additionalProperties as Node, `${path}{}`, visit);
}

describe("CRDs", () => {
  const files = renderCrdFiles();

  it("in crds/ are what `npm run generate` writes from the zod schemas", () => {
    const onDisk = readdirSync(join(REPO_ROOT, "crds")).filter((f) => f.endsWith(".yaml")).sort();
    assert.deepEqual(onDisk, [...files.keys()].sort(), "crds/ holds exactly the generated files");
    for (const [name, text] of files) {
      assert.equal(readFileSync(join(REPO_ROOT, "crds", name), "utf8"), text, `crds/${name} is stale: run npm run generate`);
    }
  });

  for (const [name, text] of files) {
    it(`${name} is structural: every node typed, no additionalProperties: false, a description on every field`, () => {
      const crd = parse(text) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
      const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
      let nodes = 0;
      walk(root, "", (node, path) => {
        nodes++;
        assert.equal(typeof node.type, "string", `${path} has a type`);
        assert.notEqual(node.additionalProperties, false, `${path}`);
        assert.equal(node.$ref, undefined, `${path}`);
        const field = path.split(".").pop()!;
        if (path !== "" && path !== ".metadata" && !field.endsWith("[]") && !path.endsWith("{}")) {
          assert.ok(typeof node.description === "string" && node.description.length > 0, `${path} has a description`);
        }
      });
      assert.ok(nodes > 5, `${nodes} schema nodes`);
    });
  }

  it("carries the cross-field rules the engine enforces as CEL", () => {
    const text = files.get("seccomp.operator.dev_seccompprofiles.yaml")!;
    for (const rule of ["self.defaultAction != 'SCMP_ACT_NOTIFY'", "self.op == 'SCMP_CMP_MASKED_EQ'", "self.action == 'SCMP_ACT_ERRNO'"]) {
      assert.ok(text.includes(rule), rule);
    }
  });

  it("refuses schemas the API server would reject", () => {
    assert.throws(() => toStructural({ description: "untyped" }), /needs a type/);
    assert.throws(() => toStructural({ type: "object", $ref: "#/x" }), /cannot carry "\$ref"/);
    assert.deepEqual(toStructural({ type: "object", additionalProperties: false }), { type: "object" });
    assert.deepEqual(toStructural({ type: "integer", minimum: Number.MIN_SAFE_INTEGER }), { type: "integer", format: "int64" });
  });
});
