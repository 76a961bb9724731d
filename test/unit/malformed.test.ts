import assert from "node:assert/strict";
import { loadProfiles } from "../../src/profile/load.js";

const own = (spec: string) => `apiVersion: seccomp.operator.dev/v1alpha1
kind: SeccompProfile
metadata:
  name: web
spec:
${spec
  .trim()
  .split("\n")
  .map((line) => `  ${line}`)
  .join("\n")}
`;
const oci = (body: object) => JSON.stringify({ defaultAction: "SCMP_ACT_ERRNO", ...body });
const allow = (names: string[]) => ({ names, action: "SCMP_ACT_ALLOW" });

/** Each malformed input, the rule of the error it must get, the field path, and a word of the reason. */
const CASES: { title: string; text: string; rule: string; path: string; says: RegExp }[] = [
  { title: "YAML syntax error", text: "spec: [unclosed", rule: "syntax", path: "", says: /invalid YAML at line 1/ },
  { title: "JSON syntax error", text: '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [}', rule: "syntax", path: "", says: /invalid JSON.*line 2/ },
  { title: "a list, not an object", text: "[]", rule: "not-a-profile", path: "", says: /a list/ },
  { title: "a scalar document", text: "hello", rule: "not-a-profile", path: "", says: /expected an object/ },
  { title: "another kind", text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}", rule: "not-a-profile", path: "", says: /ConfigMap is not a SeccompProfile/ },
  { title: "no defaultAction and no kind", text: '{"syscalls": []}', rule: "not-a-profile", path: "", says: /no defaultAction/ },
  { title: "unsupported version", text: own("defaultAction: SCMP_ACT_LOG").replace("v1alpha1", "v9"), rule: "unsupported-version", path: "apiVersion", says: /not served/ },
  { title: "missing name", text: own("defaultAction: SCMP_ACT_LOG").replace("  name: web\n", "  labels: {}\n"), rule: "required", path: "metadata.name", says: /missing/ },
  { title: "invalid name", text: own("defaultAction: SCMP_ACT_LOG").replace("name: web", "name: Web_1"), rule: "invalid-format", path: "metadata.name", says: /not a valid name/ },
  { title: "a name ending in .json", text: own("defaultAction: SCMP_ACT_LOG").replace("name: web", "name: web.json"), rule: "invalid-format", path: "metadata.name", says: /must not end in .json/ },
  { title: "a name too long for a file", text: own("defaultAction: SCMP_ACT_LOG").replace("name: web", `name: ${"a".repeat(251)}`), rule: "too-big", path: "metadata.name", says: /at most 250 characters/ },
  { title: "missing spec", text: "apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: web}", rule: "required", path: "spec", says: /missing/ },
  { title: "unknown top-level field", text: own("defaultAction: SCMP_ACT_LOG") + "extra: 1\n", rule: "unknown-field", path: "extra", says: /unknown field "extra"/ },
  { title: "missing defaultAction", text: own("syscalls: []"), rule: "required", path: "spec.defaultAction", says: /missing/ },
  { title: "misspelt action", text: own("defaultAction: SCMP_ACT_ERNO"), rule: "invalid-value", path: "spec.defaultAction", says: /is not one of/ },
  { title: "lower-case action", text: oci({ defaultAction: "scmp_act_errno" }), rule: "invalid-value", path: "defaultAction", says: /is not one of/ },
  { title: "unknown spec field", text: own("defaultAction: SCMP_ACT_LOG\ndefaultaction: SCMP_ACT_LOG"), rule: "unknown-field", path: "spec", says: /defaultaction/ },
  { title: "NOTIFY as default", text: oci({ defaultAction: "SCMP_ACT_NOTIFY", syscalls: [allow(["read"])] }), rule: "notify-default", path: "defaultAction", says: /cannot be the default/ },
  { title: "NOTIFY in a rule", text: oci({ syscalls: [{ names: ["read"], action: "SCMP_ACT_NOTIFY" }] }), rule: "notify-action", path: "syscalls[0].action", says: /seccomp agent/ },
  { title: "errnoRet on ALLOW", text: oci({ syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", errnoRet: 1 }] }), rule: "errno-without-errno-action", path: "syscalls[0].errnoRet", says: /returns no errno/ },
  { title: "defaultErrnoRet on LOG", text: oci({ defaultAction: "SCMP_ACT_LOG", defaultErrnoRet: 1 }), rule: "errno-without-errno-action", path: "defaultErrnoRet", says: /returns no errno/ },
  { title: "negative errnoRet", text: oci({ syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: -1 }] }), rule: "too-small", path: "syscalls[0].errnoRet", says: /at least 0/ },
  { title: "errnoRet beyond errno range", text: oci({ defaultErrnoRet: 70000 }), rule: "too-big", path: "defaultErrnoRet", says: /at most 4095/ },
  { title: "fractional errnoRet", text: oci({ defaultErrnoRet: 1.5 }), rule: "invalid-type", path: "defaultErrnoRet", says: /expected int/ },
  { title: "errnoRet as a string", text: oci({ defaultErrnoRet: "EPERM" }), rule: "invalid-type", path: "defaultErrnoRet", says: /string "EPERM"/ },
  { title: "unknown architecture", text: oci({ architectures: ["SCMP_ARCH_X86_46"] }), rule: "invalid-value", path: "architectures[0]", says: /did you mean|is not one of/ },
  { title: "architectures not a list", text: oci({ architectures: "SCMP_ARCH_X86_64" }), rule: "invalid-type", path: "architectures", says: /expected array/ },
  { title: "unknown flag", text: oci({ flags: ["SECCOMP_FILTER_FLAG_NOPE"] }), rule: "invalid-value", path: "flags[0]", says: /is not one of/ },
  { title: "syscalls not a list", text: oci({ syscalls: { names: ["read"] } }), rule: "invalid-type", path: "syscalls", says: /expected array/ },
  { title: "rule without names", text: oci({ syscalls: [{ action: "SCMP_ACT_ALLOW" }] }), rule: "required", path: "syscalls[0].names", says: /missing/ },
  { title: "rule with empty names", text: oci({ syscalls: [allow([])] }), rule: "too-small", path: "syscalls[0].names", says: /at least 1 item/ },
  { title: "rule without action", text: oci({ syscalls: [{ names: ["read"] }] }), rule: "required", path: "syscalls[0].action", says: /missing/ },
  { title: "unknown syscall with a suggestion", text: oci({ syscalls: [allow(["exit_grup"])] }), rule: "unknown-syscall", path: "syscalls[0].names[0]", says: /exit_grup is not a syscall/ },
  { title: "syscall name with upper case", text: oci({ syscalls: [allow(["Read"])] }), rule: "invalid-format", path: "syscalls[0].names[0]", says: /does not match/ },
  { title: "syscall name not a string", text: oci({ syscalls: [allow([42 as unknown as string])] }), rule: "invalid-type", path: "syscalls[0].names[0]", says: /expected string/ },
  { title: "a name twice in one rule", text: oci({ syscalls: [allow(["read", "write", "read"])] }), rule: "duplicate-syscall", path: "syscalls[0].names[2]", says: /listed twice/ },
  { title: "one syscall under two actions", text: oci({ syscalls: [allow(["read", "ptrace"]), { names: ["ptrace"], action: "SCMP_ACT_ERRNO" }] }), rule: "conflicting-actions", path: "syscalls[1].names[0]", says: /SCMP_ACT_ERRNO here and SCMP_ACT_ALLOW in/ },
  { title: "one syscall under two errnos", text: oci({ syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }, { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] }), rule: "conflicting-actions", path: "syscalls[1].names[0]", says: /errno 13/ },
  { title: "argument index 6", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: 6, value: 0, op: "SCMP_CMP_EQ" }] }] }), rule: "too-big", path: "syscalls[0].args[0].index", says: /at most 5/ },
  { title: "negative argument index", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: -1, value: 0, op: "SCMP_CMP_EQ" }] }] }), rule: "too-small", path: "syscalls[0].args[0].index", says: /at least 0/ },
  { title: "unknown operator", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: 0, value: 0, op: "SCMP_CMP_EQUAL" }] }] }), rule: "invalid-value", path: "syscalls[0].args[0].op", says: /SCMP_CMP_EQ/ },
  { title: "argument without op", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: 0, value: 0 }] }] }), rule: "required", path: "syscalls[0].args[0].op", says: /missing/ },
  { title: "valueTwo with EQ", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: 0, value: 8, valueTwo: 8, op: "SCMP_CMP_EQ" }] }] }), rule: "value-two-unused", path: "syscalls[0].args[0].valueTwo", says: /only used by SCMP_CMP_MASKED_EQ/ },
  { title: "negative argument value", text: oci({ syscalls: [{ ...allow(["personality"]), args: [{ index: 0, value: -8, op: "SCMP_CMP_EQ" }] }] }), rule: "too-small", path: "syscalls[0].args[0].value", says: /at least 0/ },
  { title: "argument value beyond 2^53", text: '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}', rule: "too-big", path: "syscalls[0].args[0].value", says: /too large to be represented exactly/ },
  { title: "more than six argument conditions", text: oci({ syscalls: [{ ...allow(["mmap"]), args: Array.from({ length: 7 }, (_, i) => ({ index: i % 6, value: 0, op: "SCMP_CMP_EQ" })) }] }), rule: "too-big", path: "syscalls[0].args", says: /at most 6 items/ },
  { title: "unknown rule field", text: oci({ syscalls: [{ ...allow(["read"]), condition: "x" }] }), rule: "unknown-field", path: "syscalls[0].condition", says: /unknown field "condition"/ },
  { title: "unknown top-level JSON field", text: oci({ defaultAktion: "SCMP_ACT_ERRNO" }), rule: "unknown-field", path: "defaultAktion", says: /unknown field/ },
  { title: "name and names both", text: oci({ syscalls: [{ name: "read", names: ["write"], action: "SCMP_ACT_ALLOW" }] }), rule: "conflicting-fields", path: "syscalls[0].name", says: /both set/ },
  { title: "architectures and archMap both", text: oci({ architectures: ["SCMP_ARCH_X86_64"], archMap: [{ architecture: "SCMP_ARCH_X86_64" }] }), rule: "conflicting-fields", path: "archMap", says: /both set/ },
  { title: "archMap with an unknown architecture", text: oci({ archMap: [{ architecture: "SCMP_ARCH_VAX", subArchitectures: [] }] }), rule: "unknown-architecture", path: "archMap", says: /SCMP_ARCH_VAX/ },
  { title: "listenerPath", text: oci({ listenerPath: "/run/agent.sock" }), rule: "unsupported-field", path: "listenerPath", says: /seccomp agent/ },
  { title: "includes not an object", text: oci({ syscalls: [{ ...allow(["read"]), includes: ["CAP_SYS_ADMIN"] }] }), rule: "invalid-type", path: "syscalls[0].includes", says: /must be an object/ },
  { title: "old name format with a typo", text: oci({ syscalls: [{ name: "wirte", action: "SCMP_ACT_ALLOW", args: [] }] }), rule: "unknown-syscall", path: "syscalls[0].name", says: /wirte/ },
  { title: "description too long", text: own(`description: ${"x".repeat(1100)}\ndefaultAction: SCMP_ACT_LOG`), rule: "too-big", path: "spec.description", says: /at most 1024 characters/ },
  { title: "invalid base profile name", text: own("baseProfileName: Base_Profile\ndefaultAction: SCMP_ACT_LOG"), rule: "invalid-format", path: "spec.baseProfileName", says: /does not match/ },
  { title: "OCI artifact base of another operator", text: "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: app}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  baseProfileName: oci://ghcr.io/x/profile:latest", rule: "unsupported-base", path: "spec.baseProfileName", says: /OCI artifact/ },
  { title: "duplicate YAML keys", text: own("defaultAction: SCMP_ACT_LOG\ndefaultAction: SCMP_ACT_ERRNO"), rule: "syntax", path: "", says: /unique/ },
  { title: "duplicate JSON keys", text: '{"defaultAction": "SCMP_ACT_ERRNO",\n "defaultAction": "SCMP_ACT_ALLOW"}', rule: "duplicate-key", path: "defaultAction", says: /line 2, column 2 \(first at line 1, column 2\)/ },
  {
    title: "a duplicate JSON key in the second rule",
    text: '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["a\\"b"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": "SCMP_ACT_ALLOW", "\\u0061ction": "SCMP_ACT_KILL"}]}',
    rule: "duplicate-key",
    path: "syscalls[1].action",
    says: /duplicate key/,
  },
  {
    title: "a duplicate key in a JSON manifest",
    text: JSON.stringify({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name: "web" }, spec: { defaultAction: "SCMP_ACT_LOG" } }).replace('"name":"web"', '"name":"web","name":"api"'),
    rule: "duplicate-key",
    path: "metadata.name",
    says: /duplicate key/,
  },
  {
    title: "a duplicate JSON key in a manifest whose strings hold colons",
    text: JSON.stringify({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name: "web", annotations: { a: "x: y", b: '":"' } }, spec: { defaultAction: "SCMP_ACT_LOG" } }).replace('"a":"x: y"', '"a":"x: y","a":"z"'),
    rule: "duplicate-key",
    path: "metadata.annotations.a",
    says: /duplicate key/,
  },
];

describe("malformed profiles", () => {
  it(`covers at least 40 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 40);
  });

  for (const c of CASES) {
    it(`rejects ${c.title}, naming the field and the reason`, () => {
      const loaded = loadProfiles(c.text);
      assert.equal(loaded.length, 1, "one document");
      const [profile] = loaded;
      assert.equal(profile!.spec, undefined, "no spec is produced from a malformed input");
      const errors = profile!.diagnostics.filter((d) => d.severity === "error");
      const match = errors.find((e) => e.rule === c.rule && e.path === c.path);
      assert.ok(match, `expected ${c.rule} at ${JSON.stringify(c.path)}, got ${JSON.stringify(errors)}`);
      assert.match(match.message, c.says);
    });
  }

  it("reads JSON whose strings hold colons and quotes, without a repeated key", () => {
    const text = JSON.stringify({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name: "web", annotations: { a: "x: y", b: '":"', "c:": "::" } }, spec: { defaultAction: "SCMP_ACT_LOG" } });
    const [profile] = loadProfiles(text);
    assert.deepEqual(profile!.diagnostics.filter((d) => d.severity === "error"), []);
    assert.ok(profile!.spec !== undefined);
  });

  it("suggests the syscall that was meant", () => {
    const [profile] = loadProfiles(oci({ syscalls: [allow(["exit_grup", "opnat"])] }));
    const hints = profile!.diagnostics.map((d) => d.hint);
    assert.match(hints[0] ?? "", /did you mean exit_group/);
    assert.match(hints[1] ?? "", /openat/);
  });

  it("reports every error of a document, not just the first", () => {
    const [profile] = loadProfiles(oci({ defaultErrnoRet: -2, syscalls: [{ names: ["exit_grup"], action: "SCMP_ACT_ALOW" }] }));
    const rules = profile!.diagnostics.map((d) => `${d.rule}@${d.path}`).sort();
    assert.deepEqual(rules, ["invalid-value@syscalls[0].action", "too-small@defaultErrnoRet", "unknown-syscall@syscalls[0].names[0]"]);
  });

  it("keeps the good documents of a file when one is bad", () => {
    const text = `${own("defaultAction: SCMP_ACT_LOG")}---\n${own("defaultAction: SCMP_ACT_BOGUS")}`;
    const loaded = loadProfiles(text);
    assert.equal(loaded.length, 2);
    assert.ok(loaded[0]!.spec !== undefined);
    assert.equal(loaded[1]!.spec, undefined);
    assert.equal(loaded[1]!.label, "2");
  });
});
