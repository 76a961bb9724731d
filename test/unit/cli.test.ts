import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { cli } from "../cli-run.js";
import { renderFromText } from "../render-spec.js";
import { CORPUS_ROOT, readCorpus, REPO_ROOT } from "../corpus.js";


const seed = (name: string) => join(CORPUS_ROOT, "seed", `${name}-seccomp.json`);

describe("the seccomp-operator command", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "scp-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("validate: exit 0 on valid files and folders", () => {
    const result = cli(["validate", join(CORPUS_ROOT, "seed"), join(CORPUS_ROOT, "kubernetes-docs")]);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.err, /^7 profiles: 0 errors/);
  });

  it("validate: exit 1, each message naming file, document, object, field and reason", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      `apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: ok, namespace: team}\nspec: {defaultAction: SCMP_ACT_LOG}\n---\napiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: web, namespace: team}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [exit_grup], action: SCMP_ACT_ALLOW}]\n`,
    );
    const result = cli(["validate", file]);
    assert.equal(result.code, 1);
    assert.equal(
      result.out.trim(),
      `${file}#2 (team/web): spec.syscalls[0].names[0]: error: exit_grup is not a syscall on any architecture (runc would silently ignore it) [unknown-syscall] (did you mean exit_group?)`,
    );
  });

  it("validate: reads stdin, and -o json gives machines every field", () => {
    const result = cli(["validate", "-o", "json"], '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1}');
    assert.equal(result.code, 1);
    const report = JSON.parse(result.out) as { profiles: { file: string; document: string; format: string; diagnostics: { path: string; rule: string; severity: string }[] }[] };
    assert.deepEqual(report.profiles[0]!.diagnostics.map((d) => [d.path, d.rule, d.severity]), [["defaultErrnoRet", "too-small", "error"]]);
    assert.equal(report.profiles[0]!.file, "<stdin>");
    assert.equal(report.profiles[0]!.format, "oci");
  });

  it("validate: a JSON key given twice is an error naming file, document and field", () => {
    const file = join(dir, "twice.json");
    writeFileSync(file, '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n    {"names": ["exit_group"], "action": "SCMP_ACT_ALLOW", "action": "SCMP_ACT_KILL"}\n  ]\n}\n');
    const result = cli(["validate", file]);
    assert.equal(result.code, 1);
    assert.equal(
      result.out.trim(),
      `${file}#1: syscalls[0].action: error: duplicate key at line 4, column 59 (first at line 4, column 31) [duplicate-key] (keep one; JSON parsers disagree on which value counts)`,
    );
  });

  it("validate: exit 3 on a path that cannot be read, still checking the others", () => {
    const result = cli(["validate", join(dir, "missing.json"), seed("medium-basic")]);
    assert.equal(result.code, 3);
    assert.match(result.err, /cannot read .*missing\.json: no such file/);
    assert.match(result.err, /1 profile: 0 errors/);
  });

  it("validate: resolves base profiles among the inputs and reports a cycle", () => {
    const file = join(dir, "cycle.yaml");
    const doc = (name: string, base: string) =>
      `apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: ${name}, namespace: t}\nspec: {baseProfileName: ${base}, defaultAction: SCMP_ACT_LOG}\n`;
    writeFileSync(file, `${doc("a", "b")}---\n${doc("b", "a")}`);
    const result = cli(["validate", file]);
    assert.equal(result.code, 1);
    assert.match(result.out, /base profiles form a cycle: t\/a -> t\/b -> t\/a \[base-cycle\]/);
  });

  it("lint: --fail-on decides the exit code", () => {
    const file = seed("medium-mixed"); // audit mode: one info finding only
    assert.equal(cli(["lint", file]).code, 0);
    assert.equal(cli(["lint", "--fail-on", "warning", file]).code, 0);
    const info = cli(["lint", "--fail-on", "info", file]);
    assert.equal(info.code, 1);
    assert.match(info.out, /info: defaultAction SCMP_ACT_LOG is audit mode.*\[SCP005\]/);
    assert.equal(cli(["lint", seed("medium-basic")]).code, 1, "exit_group without exit is an error");
    assert.equal(cli(["lint", "--fail-on", "none", seed("medium-basic")]).code, 0);
  });

  it("render: prints exactly the engine's bytes", () => {
    const result = cli(["render", seed("hi-pod")]);
    assert.equal(result.code, 0);
    assert.equal(result.out, renderFromText(readCorpus("seed/hi-pod-seccomp.json")).json);
  });

  it("render: -o json carries the hash; several profiles need --name", () => {
    const json = JSON.parse(cli(["render", "-o", "json", seed("hi-pod")]).out) as { hash: string; profile: object };
    assert.equal(json.hash, renderFromText(readCorpus("seed/hi-pod-seccomp.json")).hash);
    const many = cli(["render", join(CORPUS_ROOT, "seed")]);
    assert.equal(many.code, 2);
    assert.match(many.err, /render takes one profile, found 4.*--name/);
  });

  it("render: renders a profile with its base from another file", () => {
    const base = join(dir, "base");
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, "runtime.yaml"), `apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: runtime, namespace: seccomp-catalogue}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [exit, exit_group, rt_sigreturn], action: SCMP_ACT_ALLOW}]\n`);
    writeFileSync(join(base, "app.yaml"), `apiVersion: seccomp.operator.dev/v1alpha1\nkind: SeccompProfile\nmetadata: {name: app, namespace: team}\nspec:\n  baseProfileName: runtime\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]\n`);
    const result = cli(["render", "--name", "app", base]);
    assert.equal(result.code, 0, result.err);
    const doc = JSON.parse(result.out) as { syscalls: { names: string[] }[] };
    assert.deepEqual(doc.syscalls[0]!.names, ["exit", "exit_group", "read", "rt_sigreturn"]);
  });

  it("render: an invalid profile prints nothing on stdout", () => {
    const result = cli(["render"], '{"defaultAction":"SCMP_ACT_NOTIFY"}');
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.match(result.err, /SCMP_ACT_NOTIFY cannot be the default action/);
  });

  it("convert: Docker JSON to a SeccompProfile that validates and renders the same", () => {
    const result = cli(["convert", "--namespace", "team", join(CORPUS_ROOT, "moby", "default.json")]);
    assert.equal(result.code, 0, result.err);
    const manifest = parse(result.out) as { metadata: { name: string; namespace: string }; spec: { architectures: string[] } };
    assert.deepEqual(manifest.metadata, { name: "default", namespace: "team" });
    assert.ok(manifest.spec.architectures.includes("SCMP_ARCH_AARCH64"));
    assert.match(result.err, /archMap resolved to architectures/);
    assert.match(result.err, /rule for bpf, clone, .* dropped: it applies only with CAP_SYS_ADMIN/);
    const back = cli(["render"], result.out);
    const direct = cli(["render", join(CORPUS_ROOT, "moby", "default.json")]);
    assert.equal(back.out, direct.out);
  });

  it("convert: --capability keeps the rules for that capability", () => {
    const without = cli(["convert", join(CORPUS_ROOT, "moby", "conditional_include.json")]);
    const withCap = cli(["convert", "--capability", "syslog", join(CORPUS_ROOT, "moby", "conditional_include.json")]);
    assert.ok(!without.out.includes("syslog"));
    assert.ok(withCap.out.includes("syslog"));
  });

  it("convert: another operator's multi-document file keeps names; nothing is printed if one document fails", () => {
    const result = cli(["convert", join(CORPUS_ROOT, "security-profiles-operator", "seccompprofile.yaml")]);
    assert.equal(result.code, 0, result.err);
    const names = parseAllDocuments(result.out).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
    assert.deepEqual(names, ["profile-block-all", "profile-complain-unsafe", "profile-allow-unsafe", "profile-complain-block-high-risk"]);
    const mixed = join(dir, "mixed.json");
    writeFileSync(mixed, readCorpus("moby/example.json"));
    const failed = cli(["convert", join(CORPUS_ROOT, "seed"), mixed]);
    assert.equal(failed.code, 1);
    assert.equal(failed.out, "");
    assert.match(failed.err, /errnoRet: error: 12345 must be at most 4095/);
  });

  it("usage errors exit 2 with a pointer to --help", () => {
    for (const args of [["frobnicate"], ["lint", "--fail-on", "sometimes"], ["validate", "-o", "xml"], ["validate", "--name", "x"], ["validate", "--bogus"]]) {
      const result = cli(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.err, /^error: .*\nRun 'seccomp-operator .*--help' for usage\.\n$/);
    }
  });

  it("--help on each command documents its options", () => {
    assert.match(cli(["--help"]).out, /Exit codes: 0 ok, 1 .*, 2 usage error, 3 unreadable input/);
    for (const command of ["validate", "lint", "render", "convert"]) {
      const result = cli([command, "--help"]);
      assert.equal(result.code, 0);
      assert.match(result.out, new RegExp(`^Usage: seccomp-operator ${command}`));
    }
    assert.match(cli(["lint", "--help"]).out, /--fail-on/);
  });

  it("runs as the built executable, reading stdin", function () {
    const main = join(REPO_ROOT, "dist", "cli", "main.js");
    if (!existsSync(main)) this.skip(); // npm test builds first; a bare mocha run may not have
    const result = spawnSync(process.execPath, [main, "render"], { input: readCorpus("seed/medium-basic-seccomp.json"), encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, renderFromText(readCorpus("seed/medium-basic-seccomp.json")).json);
    const version = spawnSync(process.execPath, [main, "--version"], { encoding: "utf8" });
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it("the daemons refuse bad flags and a missing NODE_NAME with exit 2, before touching a cluster", function () {
    const main = join(REPO_ROOT, "dist", "cli", "main.js");
    if (!existsSync(main)) this.skip();
    const env = { ...process.env, NODE_NAME: "" };
    const noNode = spawnSync(process.execPath, [main, "agent"], { encoding: "utf8", env });
    assert.equal(noNode.status, 2);
    assert.match(noNode.stderr, /NODE_NAME is not set/);
    const workers = spawnSync(process.execPath, [main, "controller", "--workers=0"], { encoding: "utf8" });
    assert.equal(workers.status, 2);
    assert.match(workers.stderr, /--workers must be a whole number from 1 to 64/);
    const addr = spawnSync(process.execPath, [main, "agent", "--health-addr=nowhere"], { encoding: "utf8", env: { ...process.env, NODE_NAME: "n" } });
    assert.equal(addr.status, 2);
    assert.match(addr.stderr, /--health-addr must be HOST:PORT/);
    const auth = spawnSync(process.execPath, [main, "controller", "--metrics-auth=open"], { encoding: "utf8" });
    assert.equal(auth.status, 2);
    assert.match(auth.stderr, /--metrics-auth must be kubernetes or none, not "open"/);
    const certWithoutAuth = spawnSync(process.execPath, [main, "controller", "--metrics-auth=none", "--metrics-cert-dir=/tmp"], { encoding: "utf8" });
    assert.equal(certWithoutAuth.status, 2);
    assert.match(certWithoutAuth.stderr, /--metrics-cert-dir needs --metrics-auth=kubernetes/);
    const writes = spawnSync(process.execPath, [main, "recorder", "--max-report-writes=0"], { encoding: "utf8", env: { ...process.env, NODE_NAME: "n" } });
    assert.equal(writes.status, 2);
    assert.match(writes.stderr, /--max-report-writes must be a whole number of at least 1, not "0"/);
    for (const command of ["agent", "controller"]) {
      const help = spawnSync(process.execPath, [main, command, "--help"], { encoding: "utf8" });
      assert.equal(help.status, 0);
      assert.match(help.stdout, /--health-addr HOST:PORT/);
    }
    const noCluster = spawnSync(process.execPath, [main, "controller"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent" } });
    assert.equal(noCluster.status, 3);
    assert.match(noCluster.stderr, /no cluster configuration/);
  });
});
