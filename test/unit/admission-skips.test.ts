import assert from "node:assert/strict";
import { PROFILE_ANNOTATION } from "../../src/api/names.js";
import { Registry } from "prom-client";
import { admissionSkipReporter, missedAtAdmission } from "../../src/controller/admission/admission-skips.js";
import { planWorkload } from "../../src/controller/workloads/workload-plan.js";
import { referencesOf } from "../../src/controller/workloads/workload-references.js";

const H = "d".repeat(64);
const T0 = Date.parse("2030-01-01T00:00:00Z");
const deployment = (created: number, profile?: object) => ({
  metadata: { name: "web", namespace: "shop", creationTimestamp: new Date(created).toISOString().replace(/\.\d+Z$/, "Z"), annotations: { [PROFILE_ANNOTATION]: "web" } },
  spec: { template: { spec: { containers: [{ name: "app", image: "x", ...(profile ? { securityContext: { seccompProfile: profile } } : {}) }] } } },
});
const plan = (w: ReturnType<typeof deployment>) => planWorkload("Deployment", w, referencesOf("Deployment", w), () => ({ state: "ready", key: "shop/web", hash: H }));
const readySince = (at: number | undefined) => (key: string, hash: string) => (key === "shop/web" && hash === H ? at : undefined);

describe("admission skips", () => {
  it("counts a workload created well after its profile was ready that the controller had to set", () => {
    const w = deployment(T0 + 60_000);
    assert.deepEqual(missedAtAdmission("Deployment", w, plan(w), readySince(T0)), [`shop/web/${H}`]);
  });

  it("does not count a workload created before the profile was ready, or within the grace of caches lagging", () => {
    for (const created of [T0 - 60_000, T0 + 3_000]) {
      const w = deployment(created);
      assert.deepEqual(missedAtAdmission("Deployment", w, plan(w), readySince(T0)), [], `created at ${created - T0} ms`);
    }
    const w = deployment(T0 + 60_000);
    assert.deepEqual(missedAtAdmission("Deployment", w, plan(w), readySince(undefined)), [], "this replica never saw it ready");
  });

  it("does not count a workload whose template already has the path (the webhook set it)", () => {
    const w = deployment(T0 + 60_000, { type: "Localhost", localhostProfile: `operator/shop/web/${H}.json` });
    assert.deepEqual(missedAtAdmission("Deployment", w, plan(w), readySince(T0)), []);
  });

  it("reports a workload version once, however often a reconcile from a stale cache repeats the apply", async () => {
    const registry = new Registry();
    const warned: string[] = [];
    const report = admissionSkipReporter(registry, { warn: (t, reason) => void warned.push(`${t.name}/${reason}`) }, readySince(T0));
    const w = { ...deployment(T0 + 60_000), metadata: { ...deployment(T0 + 60_000).metadata, uid: "u1", generation: 1 } };
    report("Deployment", w, plan(w));
    report("Deployment", w, plan(w));
    assert.match(await registry.metrics(), /^seccomp_admission_skipped_total\{kind="Deployment"\} 1$/m);
    assert.deepEqual(warned, ["web/AdmissionSkipped"]);
    const next = { ...w, metadata: { ...w.metadata, generation: 2 } };
    report("Deployment", next, plan(next));
    assert.match(await registry.metrics(), /^seccomp_admission_skipped_total\{kind="Deployment"\} 2$/m, "a new version of the template counts again");
  });
});
