import assert from "node:assert/strict";
import { compileObject, summarize, type ObjectLookup } from "../../src/profile/compile.js";
import type { SeccompProfile } from "../../src/api/seccomp-profile.js";
import { renderSpec } from "../render-spec.js";

// Specs the CRD's schema accepts but the engine may refuse, hence the cast.
const profile = (namespace: string, name: string, spec: object): SeccompProfile =>
  ({
  apiVersion: "seccomp.operator.dev/v1alpha1",
  kind: "SeccompProfile",
  metadata: { name, namespace, uid: "u", resourceVersion: "1", generation: 1, managedFields: [] },
  spec,
  status: { observedGeneration: 1 },
  }) as unknown as SeccompProfile;
const essentials = { names: ["exit", "exit_group", "rt_sigreturn"], action: "SCMP_ACT_ALLOW" };
const objects = [
  profile("catalogue", "runtime", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [essentials] }),
  profile("catalogue", "broken", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["exit_grup"], action: "SCMP_ACT_ALLOW" }] }),
  profile("team-b", "private", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [essentials] }),
];
const lookup: ObjectLookup = (ns, name) => objects.find((o) => o.metadata.namespace === ns && o.metadata.name === name);

describe("compiling cluster objects", () => {
  it("renders an object as the engine renders its spec, with findings", () => {
    const spec = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] };
    const result = compileObject(profile("team-a", "web", spec), lookup, "catalogue");
    assert.ok(result.ok);
    assert.equal(result.value.rendered.hash, renderSpec(spec as never).hash);
    assert.ok(result.value.findings.some((f) => f.rule === "SCP001"));
  });

  it("resolves a base in the catalogue namespace", () => {
    const result = compileObject(profile("team-a", "web", { baseProfileName: "runtime", defaultAction: "SCMP_ACT_ERRNO" }), lookup, "catalogue");
    assert.ok(result.ok);
    assert.deepEqual(result.value.chain, ["team-a/web", "catalogue/runtime"]);
  });

  it("never resolves a base in another tenant's namespace", () => {
    const result = compileObject(profile("team-a", "web", { baseProfileName: "private", defaultAction: "SCMP_ACT_ERRNO" }), lookup, "catalogue");
    assert.ok(!result.ok);
    assert.equal(result.error[0]!.rule, "base-not-found");
  });

  it("names the invalid base and its error", () => {
    const result = compileObject(profile("team-a", "web", { baseProfileName: "broken", defaultAction: "SCMP_ACT_ERRNO" }), lookup, "catalogue");
    assert.ok(!result.ok);
    assert.match(summarize(result.error), /base profile catalogue\/broken is invalid: spec.syscalls\[0\].names\[0\]: exit_grup/);
  });

  it("refuses an object whose spec the engine rejects, with every error", () => {
    const result = compileObject(profile("team-a", "web", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["exit_grup", "opnat"], action: "SCMP_ACT_ALLOW" }] }), lookup, "catalogue");
    assert.ok(!result.ok);
    assert.equal(result.error.length, 2);
    assert.match(summarize(result.error, 1), /exit_grup .* \(and 1 more\)$/);
  });
});
