import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { cli } from "../cli-run.js";
import { DEFAULT_CAPABILITIES } from "../../src/profile/conversion.js";
import { loadProfiles, type LoadedProfile } from "../../src/profile/load.js";
import { renderSpec } from "../render-spec.js";
import { permission } from "../../src/profile/permissions.js";
import { REPO_ROOT } from "../corpus.js";

const FORMATS = join(REPO_ROOT, "test", "fixtures", "formats");
const fixture = (file: string) => readFileSync(join(FORMATS, file), "utf8");
const CONTAINERS_COMMON = "containers-common/seccomp.json";
const SPO_V1BETA1 = "security-profiles-operator-v1beta1/seccompprofile.yaml";


const only = (text: string, options?: Parameters<typeof loadProfiles>[1]): LoadedProfile => {
  const loaded = loadProfiles(text, options);
  assert.equal(loaded.length, 1);
  return loaded[0]!;
};
const errors = (p: LoadedProfile) => p.diagnostics.filter((d) => d.severity === "error");

describe("the containers-common format (podman, CRI-O, Buildah)", () => {
  it("reads the published default profile: errno names checked against the numbers", () => {
    const profile = only(fixture(CONTAINERS_COMMON));
    assert.equal(profile.format, "containers-common");
    assert.deepEqual(errors(profile), []);
    assert.equal(profile.spec!.defaultErrnoRet, 38, "defaultErrnoRet 38 and defaultErrno ENOSYS");
    const kexec = profile.spec!.syscalls!.find((r) => r.names.includes("kexec_load"));
    assert.deepEqual([kexec?.action, kexec?.errnoRet], ["SCMP_ACT_ERRNO", 1], "errnoRet 1 and errno EPERM");
    // Denying AF_NETLINK/NETLINK_AUDIT sockets with EINVAL applies only to containers without CAP_AUDIT_WRITE.
    const socketDenied = (p: LoadedProfile) => p.spec!.syscalls!.find((r) => r.names.includes("socket") && r.action === "SCMP_ACT_ERRNO");
    assert.equal(socketDenied(profile), undefined);
    const withoutAudit = only(fixture(CONTAINERS_COMMON), { capabilities: DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_AUDIT_WRITE") });
    assert.equal(socketDenied(withoutAudit)?.errnoRet, 22, "errnoRet 22 and errno EINVAL");
  });

  it("decides includes/excludes for the default capabilities, and keeps the rule runc applies when two remain", () => {
    const profile = only(fixture(CONTAINERS_COMMON));
    const spec = profile.spec!;
    // bpf: allowed with CAP_SYS_ADMIN, denied without CAP_SYS_ADMIN and CAP_BPF; containers have neither.
    const bpf = spec.syscalls!.find((r) => r.names.includes("bpf"));
    assert.deepEqual([bpf?.action, bpf?.errnoRet], ["SCMP_ACT_ERRNO", 1]);
    // setns is in the allow list, and in a rule that denies it without CAP_SYS_ADMIN: runc applies the first.
    const never = profile.diagnostics.filter((d) => d.rule === "rule-never-applies");
    assert.deepEqual(
      never.map((d) => [d.path, d.message]),
      [["syscalls[16]", "setns: this rule (SCMP_ACT_ERRNO) never applies: runc applies syscalls[1], the first unconditional rule for it; left out"]],
    );
    assert.equal(permission(spec, "setns"), "always");
    assert.ok(renderSpec(spec).json.length > 0);
    const withAdmin = only(fixture(CONTAINERS_COMMON), { capabilities: ["CAP_SYS_ADMIN"] });
    assert.deepEqual(withAdmin.diagnostics.filter((d) => d.rule === "rule-never-applies"), []);
  });

  it("refuses an errno name that disagrees with the number, or that is no errno, naming the field", () => {
    const raw = JSON.parse(fixture(CONTAINERS_COMMON)) as { defaultErrno: string; syscalls: { errno?: string; errnoRet?: number }[] };
    raw.syscalls[0]!.errno = "EACCES";
    raw.defaultErrno = "ENOSIS";
    const profile = only(JSON.stringify(raw));
    assert.equal(profile.spec, undefined);
    assert.deepEqual(
      errors(profile).map((d) => [d.path, d.rule, d.message, d.hint]),
      [
        ["defaultErrno", "unknown-errno", '"ENOSIS" is not a Linux errno name', "did you mean ENOSYS?"],
        ["syscalls[0].errnoRet", "conflicting-fields", "syscalls[0].errnoRet 1 and syscalls[0].errno EACCES (13) disagree", "keep one, or make them the same errno"],
      ],
    );
  });

  it("takes a name alone as its number", () => {
    const raw = JSON.parse(fixture(CONTAINERS_COMMON)) as { defaultErrnoRet?: number; syscalls: { errno?: string; errnoRet?: number }[] };
    delete raw.defaultErrnoRet;
    delete raw.syscalls[0]!.errnoRet;
    raw.syscalls[0]!.errno = "ENOSPC";
    const spec = only(JSON.stringify(raw)).spec!;
    assert.equal(spec.defaultErrnoRet, 38);
    assert.equal(spec.syscalls![0]!.errnoRet, 28);
  });

  it("converts to a SeccompProfile that renders the same bytes", () => {
    const path = join(FORMATS, CONTAINERS_COMMON);
    const converted = cli(["convert", "--namespace", "seccomp-catalogue", "--name", "podman-default", path]);
    assert.equal(converted.code, 0, converted.err);
    assert.match(converted.err, /setns: this rule \(SCMP_ACT_ERRNO\) never applies/);
    assert.equal(cli(["render"], converted.out).out, cli(["render", path]).out);
  });
});

describe("security-profiles-operator API versions", () => {
  it("v1beta1 (namespaced) reads like its v1 successor, without the cluster-scope note", () => {
    const beta = loadProfiles(fixture(SPO_V1BETA1));
    assert.equal(beta.length, 4);
    for (const profile of beta) {
      assert.equal(profile.format, "security-profiles-operator");
      assert.deepEqual(errors(profile), []);
      assert.equal(profile.diagnostics.some((d) => d.rule === "cluster-scoped"), false);
    }
    const v1 = loadProfiles(fixture(SPO_V1BETA1).replaceAll("/v1beta1", "/v1"));
    assert.deepEqual(v1.map((p) => renderSpec(p.spec!).hash), beta.map((p) => renderSpec(p.spec!).hash));
    assert.ok(v1.every((p) => p.diagnostics.some((d) => d.rule === "cluster-scoped" && d.hint?.includes("--namespace"))));
  });

  it("v1beta1's string errnoRet becomes a number; v1's state Disabled is reported; other versions are refused", () => {
    const doc = (version: string, extra: string) =>
      `apiVersion: security-profiles-operator.x-k8s.io/${version}\nkind: SeccompProfile\nmetadata: {name: p}\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n${extra}`;
    const beta = only(doc("v1beta1", '  syscalls: [{names: [mkdir], action: SCMP_ACT_ERRNO, errnoRet: "13"}]\n'));
    assert.equal(beta.spec!.syscalls![0]!.errnoRet, 13);
    const bad = only(doc("v1beta1", '  syscalls: [{names: [mkdir], action: SCMP_ACT_ERRNO, errnoRet: "EACCES"}]\n'));
    assert.deepEqual(errors(bad).map((d) => [d.path, d.message]), [["spec.syscalls[0].errnoRet", 'expected number, got string "EACCES"']]);
    const disabled = only(doc("v1", "  state: Disabled\n"));
    assert.ok(disabled.diagnostics.some((d) => d.rule === "disabled-ignored" && d.path === "spec.state"));
    const future = only(doc("v2", ""));
    assert.deepEqual(errors(future).map((d) => d.rule), ["unsupported-version"]);
  });

  it("convert keeps the names of every document", () => {
    const result = cli(["convert", "--namespace", "shop", join(FORMATS, SPO_V1BETA1)]);
    assert.equal(result.code, 0, result.err);
    const names = parseAllDocuments(result.out).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
    assert.deepEqual(names, ["profile-block-all", "profile-complain-unsafe", "profile-allow-unsafe", "profile-complain-block-high-risk"]);
  });
});
