import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ProfileFileStore } from "../../src/agent/file-store.js";
import { NodeState } from "../../src/agent/node-state.js";
import { ProfileInstaller } from "../../src/agent/profile-installer.js";
import type { SeccompProfile } from "../../src/api/seccomp-profile.js";
import { run } from "../../src/cli/run.js";
import { failureMark } from "../../src/api/failure-digest.js";
import { contribution } from "../../src/api/install-digest.js";
import { aggregate } from "../../src/controller/nodes/node-aggregation.js";
import { computeStatus } from "../../src/controller/profiles/status-computation.js";
import { createLogger } from "../../src/kube/logger.js";
import { compileObject, type ObjectLookup } from "../../src/profile/compile.js";

// A child profile that is valid on its own, over a base that is not: the refusal happens when
// the child is compiled with its base, so every component must compile the same way. (Before
// one compile path, `lint` skipped the invalid base as "not found" and passed the child.)
const manifests = `apiVersion: seccomp.operator.dev/v1alpha1
kind: SeccompProfile
metadata: {name: base, namespace: t}
spec:
  defaultAction: SCMP_ACT_ERRNO
  syscalls: [{names: [exit_grup], action: SCMP_ACT_ALLOW}]
---
apiVersion: seccomp.operator.dev/v1alpha1
kind: SeccompProfile
metadata: {name: app, namespace: t}
spec:
  baseProfileName: base
  defaultAction: SCMP_ACT_ERRNO
  syscalls: [{names: [read, exit_group], action: SCMP_ACT_ALLOW}]
`;
const MESSAGE = "spec.baseProfileName: base profile t/base is invalid: spec.syscalls[0].names[0]: exit_grup is not a syscall on any architecture (runc would silently ignore it) (chain: t/app -> base)";

describe("one compile path", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "scp-compile-path-"));
    writeFileSync(join(dir, "profiles.yaml"), manifests);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  // As the API server returns them (the CRD's schema accepts the misspelt name).
  const objects = parseAllDocuments(manifests).map((d) => ({ ...(d.toJS() as SeccompProfile), metadata: { ...(d.toJS() as SeccompProfile).metadata, uid: "u", generation: 1 } }));
  const lookup: ObjectLookup = (ns, name) => objects.find((o) => o.metadata.namespace === ns && o.metadata.name === name);
  const app = objects[1]!;
  const cli = (args: string[]) => {
    let out = "";
    let err = "";
    const code = run(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: () => "" });
    return { code, out, err };
  };

  it("lint refuses the child with the message", () => {
    const result = cli(["lint", "--catalogue-namespace", "catalogue", join(dir, "profiles.yaml")]);
    assert.equal(result.code, 1);
    const line = result.out.split("\n").find((l) => l.includes("(t/app)"));
    assert.ok(line?.includes(MESSAGE.replace("spec.baseProfileName: ", "spec.baseProfileName: error: ")), result.out);
  });

  it("render refuses the child with the message", () => {
    const result = cli(["render", "--catalogue-namespace", "catalogue", "--name", "app", join(dir, "profiles.yaml")]);
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.ok(result.err.includes(MESSAGE.replace("spec.baseProfileName: ", "spec.baseProfileName: error: ")), result.err);
  });

  it("the agent refuses to install the child, with the message", async () => {
    const store = ProfileFileStore.open(join(dir, "seccomp"), { createRoot: true });
    assert.ok(store.ok);
    const state = new NodeState();
    const installer = new ProfileInstaller(store.value, state, { catalogueNamespace: "catalogue", lookup, logger: createLogger("test", "error") });
    await installer.reconcile("t/app");
    assert.equal(state.failures.get("t/app")?.reason, `invalid profile, last good file kept: ${MESSAGE}`);
  });

  it("the controller reports the child invalid, with the message", () => {
    const compiled = compileObject(app, lookup, "catalogue");
    assert.ok(!compiled.ok);
    const { status } = computeStatus(
      {
        namespace: "t",
        name: "app",
        generation: 1,
        previous: undefined,
        compiled: { ok: false, errors: compiled.error },
        nodes: aggregate("t/app", undefined, [], { now: Date.now(), staleAfterMs: 90_000, catalogueNamespace: "catalogue", expect: { saltId: "0000000000000000", bucketOf: () => 0, inBucket: () => [], expected: () => undefined, previous: () => [], contribution, failureMark } }),
        usedBy: [],
        hashesInUse: [],
        workloadFindings: [],
        failureFindings: [],
      },
      new Date(),
    );
    assert.equal(status.conditions?.find((c) => c.type === "Valid")?.message, MESSAGE);
  });
});
