import assert from "node:assert/strict";
import { corpusProfiles, readCorpus } from "../corpus.js";
import { lintSpec } from "../../src/profile/lint.js";
import { loadProfiles, type LoadedProfile } from "../../src/profile/load.js";
import { toManifest } from "../../src/profile/manifest.js";
import { renderSpec } from "../render-spec.js";

/**
 * What each real-world profile must give: its format, and either the lint rule ids it raises
 * or the rule of the error that rejects it. One entry per document.
 */
const EXPECTED: Record<string, { format: string; lint?: string[]; rejected?: string; notes?: string[] }[]> = {
  "kubernetes-docs/audit.json": [{ format: "oci", lint: ["SCP005", "SCP010"] }],
  "kubernetes-docs/fine-grained.json": [{ format: "oci", lint: ["SCP009"] }],
  "kubernetes-docs/violation.json": [{ format: "oci", lint: ["SCP007", "SCP009", "SCP010"] }],
  "moby/conditional_include.json": [{ format: "docker", lint: ["SCP001", "SCP002", "SCP009", "SCP010"], notes: ["rule-dropped-capabilities"] }],
  "moby/default-old-format.json": [{ format: "docker", lint: ["SCP002", "SCP003", "SCP009"], notes: ["old-name-format", "syscall-not-on-architectures"] }],
  "moby/default.json": [
    {
      format: "docker",
      lint: ["SCP002", "SCP003", "SCP009"],
      notes: ["archmap-resolved", "comments-dropped", "min-kernel-ignored", "rule-dropped-architecture", "rule-dropped-capabilities", "rule-widened-architecture", "syscall-not-on-architectures"],
    },
  ],
  // Docker's own test fixture returns errno 12345, which libc cannot report as an error.
  "moby/example.json": [{ format: "docker", rejected: "too-big", notes: ["old-name-format"] }],
  "security-profiles-operator/baseprofile-crun.yaml": [{ format: "security-profiles-operator", lint: ["SCP001", "SCP002", "SCP003", "SCP009"], notes: ["cluster-scoped"] }],
  "security-profiles-operator/baseprofile-runc.yaml": [{ format: "security-profiles-operator", lint: ["SCP001", "SCP003", "SCP009"], notes: ["cluster-scoped"] }],
  "security-profiles-operator/seccompprofile-allowed-syscalls-validation.yaml": [
    { format: "security-profiles-operator", lint: ["SCP001", "SCP009"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP001", "SCP002", "SCP008", "SCP009"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP002", "SCP004", "SCP010"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP007", "SCP009", "SCP010"], notes: ["cluster-scoped"] },
  ],
  "security-profiles-operator/seccompprofile.yaml": [
    { format: "security-profiles-operator", lint: ["SCP007", "SCP009", "SCP010"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP005", "SCP010"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP002", "SCP004", "SCP010"], notes: ["cluster-scoped"] },
    { format: "security-profiles-operator", lint: ["SCP005"], notes: ["cluster-scoped", "syscall-not-on-architectures"] },
  ],
  "seed/hi-container-seccomp.json": [{ format: "oci", lint: ["SCP001", "SCP009"] }],
  "seed/hi-pod-seccomp.json": [{ format: "oci", lint: ["SCP001", "SCP003", "SCP009"] }],
  "seed/medium-basic-seccomp.json": [{ format: "oci", lint: ["SCP001", "SCP009"] }],
  "seed/medium-mixed-seccomp.json": [{ format: "oci", lint: ["SCP005"] }],
};

const ids = (list: { rule: string }[]) => [...new Set(list.map((d) => d.rule))].sort();

describe("the real-world corpus", () => {
  it("has an expectation for every profile file, and no stale one", () => {
    assert.deepEqual(corpusProfiles(), Object.keys(EXPECTED).sort());
  });

  for (const [file, documents] of Object.entries(EXPECTED)) {
    describe(file, () => {
      let loaded: LoadedProfile[];
      before(() => {
        loaded = loadProfiles(readCorpus(file));
      });

      it("loads in the expected format, or is rejected with a named reason", () => {
        assert.equal(loaded.length, documents.length);
        documents.forEach((want, i) => {
          const got = loaded[i]!;
          assert.equal(got.format, want.format, `document ${i + 1}`);
          const errors = got.diagnostics.filter((d) => d.severity === "error");
          if (want.rejected === undefined) {
            assert.deepEqual(errors, [], `document ${i + 1} should be valid`);
            assert.ok(got.spec !== undefined);
          } else {
            assert.equal(got.spec, undefined);
            assert.ok(errors.length > 0 && errors.every((e) => e.rule === want.rejected && e.path !== "" && e.message.length > 0), JSON.stringify(errors));
          }
          assert.deepEqual(ids(got.diagnostics.filter((d) => d.severity !== "error")), (want.notes ?? []).sort(), `notes of document ${i + 1}`);
        });
      });

      it("gives the expected lint findings", () => {
        documents.forEach((want, i) => {
          const spec = loaded[i]!.spec;
          if (want.lint === undefined || spec === undefined) return;
          assert.deepEqual(ids(lintSpec(spec)), want.lint.sort(), `document ${i + 1}`);
        });
      });

      it("renders the same bytes every time and after a convert round trip", () => {
        for (const profile of loaded) {
          if (profile.spec === undefined || profile.spec.baseProfileName !== undefined) continue;
          const first = renderSpec(profile.spec);
          assert.equal(renderSpec(structuredClone(profile.spec)).json, first.json);
          const manifest = toManifest(profile.spec, { name: "round-trip", namespace: "ns" });
          const [again] = loadProfiles(manifest);
          assert.equal(again!.format, "SeccompProfile");
          assert.ok(again!.spec !== undefined, JSON.stringify(again!.diagnostics));
          const second = renderSpec(again!.spec);
          assert.equal(second.hash, first.hash);
          // Rendered output read back as OCI JSON renders to itself: the canonical form is a fixed point.
          const [reread] = loadProfiles(first.json);
          assert.equal(renderSpec(reread!.spec!).json, first.json);
        }
      });
    });
  }
});
