// The API server itself, from the CRD's structural schema and its CEL rules,
// rejects malformed SeccompProfiles, and says which field is wrong. `kubectl
// apply` of a bad profile fails at once instead of waiting for the controller.
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { API_VERSION, GROUP, PROFILE_KIND, PROFILE_PLURAL, VERSION } from "../../src/api/names.js";
import { rejection } from "../harness/api-errors.js";
import { installCrds } from "../harness/crds.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

type Json = Record<string, unknown>;
type Rule = { names?: unknown; action?: unknown; errnoRet?: unknown; args?: Json[] } & Json;
interface Spec extends Json {
  syscalls: Rule[];
}

/** A valid profile; each case below breaks exactly one thing in a copy of it. */
function validSpec(): Spec {
  return {
    description: "allowlist for a small web server",
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1,
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
    flags: ["SECCOMP_FILTER_FLAG_LOG"],
    syscalls: [
      {
        names: ["read", "write", "exit_group"],
        action: "SCMP_ACT_ALLOW",
      },
      {
        names: ["personality"],
        action: "SCMP_ACT_ALLOW",
        args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }],
      },
    ],
  };
}

function profile(name: string, spec: unknown): Json {
  const obj: Json = { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name } };
  if (spec !== undefined) obj.spec = spec;
  return obj;
}

/** Returned by a case's mutation to send the object without any spec. */
const NO_SPEC = Symbol("no spec");

interface Case {
  title: string;
  /** Breaks the valid spec in place (or returns NO_SPEC to drop it). */
  mutate: (spec: Spec) => void | typeof NO_SPEC;
  /** The field path the API server must name. */
  field: string;
  /** The kind of error, as the API server words it. */
  error: string | RegExp;
}

const rule = (spec: Spec, i: number): Rule => spec.syscalls[i]!;
const arg = (spec: Spec): Json => rule(spec, 1).args![0]!;

const cases: Case[] = [
  { title: "no spec at all", mutate: () => NO_SPEC, field: "spec", error: "Required value" },
  { title: "no defaultAction", mutate: (s) => void delete s.defaultAction, field: "spec.defaultAction", error: "Required value" },
  { title: "unknown defaultAction", mutate: (s) => void (s.defaultAction = "SCMP_ACT_ALLOW_ALL"), field: "spec.defaultAction", error: "Unsupported value" },
  { title: "lower-case defaultAction", mutate: (s) => void (s.defaultAction = "scmp_act_errno"), field: "spec.defaultAction", error: "Unsupported value" },
  { title: "SCMP_ACT_NOTIFY as defaultAction", mutate: (s) => void Object.assign(s, { defaultAction: "SCMP_ACT_NOTIFY", defaultErrnoRet: undefined }), field: "spec.defaultAction", error: /Invalid value.*SCMP_ACT_NOTIFY/ },
  { title: "negative defaultErrnoRet", mutate: (s) => void (s.defaultErrnoRet = -1), field: "spec.defaultErrnoRet", error: "Invalid value" },
  { title: "defaultErrnoRet above the largest errno", mutate: (s) => void (s.defaultErrnoRet = 4096), field: "spec.defaultErrnoRet", error: "Invalid value" },
  { title: "defaultErrnoRet as a string", mutate: (s) => void (s.defaultErrnoRet = "EPERM"), field: "spec.defaultErrnoRet", error: /Invalid value.*integer/ },
  { title: "defaultErrnoRet with a defaultAction that returns no errno", mutate: (s) => void (s.defaultAction = "SCMP_ACT_KILL_PROCESS"), field: "spec.defaultErrnoRet", error: /Invalid value.*defaultErrnoRet/ },
  { title: "unknown architecture", mutate: (s) => void (s.architectures = ["SCMP_ARCH_PDP11"]), field: "spec.architectures[0]", error: "Unsupported value" },
  { title: "architecture listed twice", mutate: (s) => void (s.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86_64"]), field: "spec.architectures[1]", error: "Duplicate value" },
  { title: "unknown flag", mutate: (s) => void (s.flags = ["SECCOMP_FILTER_FLAG_FAST"]), field: "spec.flags[0]", error: "Unsupported value" },
  { title: "syscalls as an object", mutate: (s) => void ((s as Json).syscalls = { read: "SCMP_ACT_ALLOW" }), field: "spec.syscalls", error: /Invalid value.*array/ },
  { title: "rule without names", mutate: (s) => void delete rule(s, 0).names, field: "spec.syscalls[0].names", error: "Required value" },
  { title: "rule with an empty names list", mutate: (s) => void (rule(s, 0).names = []), field: "spec.syscalls[0].names", error: "Invalid value" },
  { title: "syscall name that is not one", mutate: (s) => void (rule(s, 0).names = ["read; rm -rf /"]), field: "spec.syscalls[0].names[0]", error: "Invalid value" },
  { title: "syscall named twice in one rule", mutate: (s) => void (rule(s, 0).names = ["read", "read"]), field: "spec.syscalls[0].names[1]", error: "Duplicate value" },
  { title: "rule without action", mutate: (s) => void delete rule(s, 0).action, field: "spec.syscalls[0].action", error: "Required value" },
  { title: "unknown rule action", mutate: (s) => void (rule(s, 1).action = "SCMP_ACT_PERMIT"), field: "spec.syscalls[1].action", error: "Unsupported value" },
  { title: "errnoRet on an action that returns no errno", mutate: (s) => void (rule(s, 0).errnoRet = 1), field: "spec.syscalls[0].errnoRet", error: /Invalid value.*errnoRet/ },
  { title: "negative errnoRet", mutate: (s) => void Object.assign(rule(s, 0), { action: "SCMP_ACT_ERRNO", errnoRet: -5 }), field: "spec.syscalls[0].errnoRet", error: "Invalid value" },
  { title: "argument index 6 (there are six arguments, 0 to 5)", mutate: (s) => void (arg(s).index = 6), field: "spec.syscalls[1].args[0].index", error: "Invalid value" },
  { title: "negative argument index", mutate: (s) => void (arg(s).index = -1), field: "spec.syscalls[1].args[0].index", error: "Invalid value" },
  { title: "unknown comparison operator", mutate: (s) => void (arg(s).op = "SCMP_CMP_LIKE"), field: "spec.syscalls[1].args[0].op", error: "Unsupported value" },
  { title: "argument without operator", mutate: (s) => void delete arg(s).op, field: "spec.syscalls[1].args[0].op", error: "Required value" },
  { title: "argument without value", mutate: (s) => void delete arg(s).value, field: "spec.syscalls[1].args[0].value", error: "Required value" },
  { title: "negative argument value", mutate: (s) => void (arg(s).value = -1), field: "spec.syscalls[1].args[0].value", error: "Invalid value" },
  { title: "valueTwo with an operator other than SCMP_CMP_MASKED_EQ", mutate: (s) => void (arg(s).valueTwo = 7), field: "spec.syscalls[1].args[0].valueTwo", error: /Invalid value.*valueTwo/ },
  {
    title: "more than six argument conditions",
    mutate: (s) => void (rule(s, 1).args = Array.from({ length: 7 }, (_, i) => ({ index: i % 6, value: i, op: "SCMP_CMP_NE" }))),
    field: "spec.syscalls[1].args",
    error: "Too many",
  },
  { title: "baseProfileName that is not an object name", mutate: (s) => void (s.baseProfileName = "Base_Profile"), field: "spec.baseProfileName", error: "Invalid value" },
  { title: "description longer than 1024 characters", mutate: (s) => void (s.description = "x".repeat(1025)), field: "spec.description", error: "Too long" },
];

describe("SeccompProfile validation by the API server", function () {
  const cp = useControlPlane();
  const namespace = useNamespace(cp);
  let api: CustomObjectsApi;

  before(async function () {
    this.timeout(60_000);
    await installCrds(cp().kubeConfig());
    api = cp().kubeConfig().makeApiClient(CustomObjectsApi);
  });

  function create(body: Json, fieldValidation?: "Strict") {
    return api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: namespace(),
      plural: PROFILE_PLURAL,
      body,
      fieldValidation,
    });
  }

  it("accepts the valid profile the cases start from, and stores it as sent", async function () {
    const created = (await create(profile("valid", validSpec()))) as Json;
    assert.deepEqual(created.spec, validSpec());
  });

  it("accepts the boundary values just inside each limit", async function () {
    const spec = validSpec();
    spec.defaultAction = "SCMP_ACT_TRACE";
    spec.defaultErrnoRet = 4095;
    spec.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"];
    spec.baseProfileName = "base.profiles-v1";
    spec.description = "x".repeat(1024);
    spec.syscalls.push(
      { names: ["ioctl"], action: "SCMP_ACT_ERRNO", errnoRet: 0, args: [{ index: 5, value: Number.MAX_SAFE_INTEGER, valueTwo: 0, op: "SCMP_CMP_GE" }] },
      { names: ["clone"], action: "SCMP_ACT_NOTIFY", args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
      { names: ["mmap"], action: "SCMP_ACT_TRACE", errnoRet: 38, args: Array.from({ length: 6 }, (_, i) => ({ index: i, value: i, op: "SCMP_CMP_NE" })) },
    );
    const created = (await create(profile("boundaries", spec))) as Json;
    assert.deepEqual(created.spec, spec);
  });

  for (const c of cases) {
    it(`rejects ${c.title} at ${c.field}`, async function () {
      const spec = validSpec();
      const body = profile("malformed", c.mutate(spec) === NO_SPEC ? undefined : spec);
      const { code, status } = await rejection(create(body));
      assert.equal(code, 422, status.message);
      assert.equal(status.reason, "Invalid");
      const message = status.message ?? "";
      const expected = typeof c.error === "string" ? escape(c.error) : c.error.source;
      assert.match(message, new RegExp(`${escape(c.field)}: ${expected}`), message);
      // Exactly the broken field is reported: the other fields of the case are
      // valid. (The API server adds a field-less note when an invalid object
      // kept it from evaluating the CEL rules.)
      const causes = (status.details?.causes ?? []).filter((cause) => !/validation rules were not checked/.test(cause.message ?? ""));
      const fields = new Set(causes.map((cause) => cause.field));
      assert.deepEqual([...fields], [c.field], message);
    });
  }

  it("rejects an unknown field when the client asks for strict field validation (kubectl's default)", async function () {
    const spec: Json = validSpec();
    spec.defaultActoin = "SCMP_ACT_ALLOW";
    const { code, status } = await rejection(create(profile("typo", spec), "Strict"));
    assert.equal(code, 400, status.message);
    assert.match(status.message ?? "", /unknown field "spec\.defaultActoin"/);
  });

  it("rejects an object name that is not a DNS subdomain at metadata.name", async function () {
    const { code, status } = await rejection(create(profile("Not_A_Name", validSpec())));
    assert.equal(code, 422, status.message);
    assert.match(status.message ?? "", /metadata\.name: Invalid value/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
