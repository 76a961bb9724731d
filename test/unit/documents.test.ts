import assert from "node:assert/strict";
import { loadProfiles } from "../../src/profile/load.js";

const profile = (name: string) => `apiVersion: seccomp.operator.dev/v1alpha1
kind: SeccompProfile
metadata: {name: ${name}, namespace: team}
spec: {defaultAction: SCMP_ACT_LOG}
`;

describe("source documents", () => {
  it("reads every document of a multi-document YAML file, skipping empty ones", () => {
    const loaded = loadProfiles(`---\n${profile("a")}---\n---\n${profile("b")}...\n`);
    assert.deepEqual(
      loaded.map((p) => [p.label, p.name, p.namespace, p.format]),
      [
        ["1", "a", "team", "SeccompProfile"],
        ["3", "b", "team", "SeccompProfile"],
      ],
    );
  });

  it("flattens a List, as kubectl get -o yaml prints it, labelling each item", () => {
    const list = { apiVersion: "v1", kind: "List", items: [profile("a"), profile("b")].map((t) => ({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name: t.includes("{name: a") ? "a" : "b" }, spec: { defaultAction: "SCMP_ACT_LOG" } })) };
    const loaded = loadProfiles(JSON.stringify(list));
    assert.deepEqual(loaded.map((p) => [p.label, p.name]), [["1 items[0]", "a"], ["1 items[1]", "b"]]);
  });

  it("reads the same profile from JSON and from YAML", () => {
    const json = loadProfiles('\n  {"defaultAction": "SCMP_ACT_LOG"}');
    const yaml = loadProfiles("defaultAction: SCMP_ACT_LOG\n");
    assert.equal(json[0]!.format, "oci");
    assert.deepEqual(json[0]!.spec, yaml[0]!.spec);
  });

  it("tells a YAML syntax error's line in a later document", () => {
    const loaded = loadProfiles(`${profile("a")}---\nspec:\n  defaultAction: [x\n`);
    assert.ok(loaded[0]!.spec !== undefined);
    assert.match(loaded[1]!.diagnostics[0]!.message, /^invalid YAML at line \d+, column \d+: /);
  });

  it("refuses YAML alias bombs instead of expanding them", () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    const [doc] = loadProfiles(bomb);
    assert.equal(doc!.diagnostics[0]!.rule, "syntax");
    assert.match(doc!.diagnostics[0]!.message, /alias/i);
  });
});
