import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { recordCommand } from "../../src/cli/record-command.js";
import { cli, cliAsync } from "../cli-run.js";
import { findExecutable } from "../../src/cli/executables.js";
import { containerSpec, defaultSpec, writeBundle } from "../../src/cli/oci-bundle.js";
import { runBundle } from "../../src/cli/runc-run.js";
import { REPO_ROOT } from "../corpus.js";
import { useEnforcement } from "./harness.js";
import { i386Hello } from "./i386-hello.js";
import { renderText } from "./render.js";
import { enforcementRequired } from "./runtime-probe.js";

const record = (args: string[], path?: string) => cliAsync(recordCommand, args, path);

const lint = (text: string) => cli(["lint", "-o", "json"], text);

type Manifest = { metadata: { name: string }; spec: { architectures: string[]; syscalls: { names: string[] }[] } };

describe("record: profiles from strace", function () {
  this.timeout(60000);
  let dir: string;

  before(function () {
    if (findExecutable("strace") === undefined) {
      if (enforcementRequired()) throw new Error("strace is not installed");
      console.warn("\n  record tests skipped: strace not found (apt-get install strace)\n");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "scp-record-"));
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("records every process of a command, with SCP001's syscalls, as a stable, lint-clean profile", async () => {
    const command = ["--", "/bin/busybox", "sh", "-c", "/bin/busybox cat /etc/hostname >/dev/null; /bin/busybox true"];
    const first = await record(["--name", "sh-cat", "-o", join(dir, "a.yaml"), ...command]);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.out, "", "with -o nothing goes to stdout");
    const second = await record(["--name", "sh-cat", ...command]);
    const text = readFileSync(join(dir, "a.yaml"), "utf8");
    assert.equal(second.out, text, "two recordings of one command give the same bytes");
    const manifest = parse(text) as Manifest;
    assert.equal(manifest.metadata.name, "sh-cat");
    assert.deepEqual(manifest.spec.architectures, ["SCMP_ARCH_X86_64"]);
    const names = manifest.spec.syscalls[0]!.names;
    assert.deepEqual(names, [...names].sort());
    // wait4 is the shell's, sendfile the child cat's: children are traced.
    for (const name of ["execve", "wait4", "sendfile", "exit", "exit_group", "rt_sigreturn"]) assert.ok(names.includes(name), name);
    assert.match(first.err, /^recorded on SCMP_ARCH_X86_64: \d+ syscalls, \d+ calls: /m);
    const linted = lint(text);
    assert.equal(linted.code, 0, linted.out);
  });

  it("keeps a 32-bit ABI apart from x86_64", async function () {
    const program = join(dir, "hi32");
    writeFileSync(program, i386Hello());
    chmodSync(program, 0o755);
    const direct = spawnSync(program, { encoding: "utf8" });
    if (direct.stdout !== "hi\n") this.skip(); // a kernel without IA32 emulation
    const result = await record(["--", program]);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual((parse(result.out) as Manifest).spec.architectures, ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"]);
    assert.match(result.err, /^recorded on SCMP_ARCH_X86_64: 1 syscalls, 1 calls: execve$/m);
    assert.match(result.err, /^recorded on SCMP_ARCH_X86: 2 syscalls, 2 calls: exit, write$/m);
  });

  it("exit 1, still printing the profile, when the command fails; 4 when strace is missing or the command cannot start", async () => {
    const failed = await record(["--", "/bin/busybox", "false"]);
    assert.equal(failed.code, 1);
    assert.match(failed.out, /kind: SeccompProfile/);
    assert.match(failed.err, /the command exited with status 1/);
    const missing = await record(["--", "/nonexistent/program"]);
    assert.equal(missing.code, 4);
    assert.match(missing.err, /error: strace recorded nothing: .*strace: Can't stat '\/nonexistent\/program'/);
    const noStrace = await record(["--", "/bin/busybox", "true"], dir);
    if (findExecutable("strace", dir) === undefined) {
      assert.equal(noStrace.code, 4);
      assert.match(noStrace.err, /strace not found on PATH: install it/);
    }
  });

  it("usage errors: no command, an unmeasured runtime, a bad boolean", async () => {
    await assert.rejects(record(["--name", "x"]), /must follow --/);
    await assert.rejects(record(["--for-runtime", "crun", "--", "/bin/true"]), /crun's own syscalls are not measured yet/);
    await assert.rejects(record(["--for-runtime", "runc", "--no-new-privileges=yes", "--", "/bin/true"]), /must be true or false/);
    await assert.rejects(record(["--no-new-privileges=true", "--", "/bin/true"]), /only matters with --for-runtime/);
  });

  describe("the recorded profile runs the same command under runc", function () {
    const harness = useEnforcement();

    for (const noNewPrivileges of [true, false]) {
      it(`with --for-runtime runc --no-new-privileges=${String(noNewPrivileges)}`, async () => {
        const args = ["/bin/busybox", "echo", "hi"];
        const result = await record(["--for-runtime", "runc", `--no-new-privileges=${String(noNewPrivileges)}`, "--", ...args]);
        assert.equal(result.code, 0, result.err);
        assert.equal(lint(result.out).code, 0);
        // Several runs: a missing rt_sigreturn shows only when Go preempts runc init.
        for (let i = 0; i < 3; i++) {
          const ran = await harness().run({ args, seccomp: renderText(result.out), noNewPrivileges });
          assert.equal(ran.stdout, "hi\n", ran.stderr);
          assert.equal(ran.status, 0);
        }
      });
    }

    it("in a container whose profile refuses ptrace, says so clearly: exit 4", async () => {
      // The CLI itself runs in the container, on the host's /usr and this checkout, read-only.
      const work = mkdtempSync(join(tmpdir(), "scp-ptrace-"));
      try {
        const rootfs = join(work, "rootfs");
        for (const sub of ["proc", "dev", "sys", "tmp", "usr", REPO_ROOT.slice(1)]) mkdirSync(join(rootfs, sub), { recursive: true });
        for (const link of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${link}`, join(rootfs, link));
        const spec = containerSpec(defaultSpec(harness().tools.runc, join(work, "spec")), rootfs, {
          args: [process.execPath, "--import", "tsx", join("src", "cli", "main.ts"), "record", "--", "/bin/true"],
          hostname: "ptrace-refused",
          cwd: REPO_ROOT,
          env: ["PATH=/usr/sbin:/usr/bin", "HOME=/tmp"],
          seccomp: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["ptrace"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] },
          noNewPrivileges: true,
        });
        for (const dir of ["/usr", REPO_ROOT]) spec.mounts.push({ destination: dir, type: "bind", source: dir, options: ["rbind", "ro"] });
        writeBundle(join(work, "bundle"), spec);
        const result = await runBundle({ runc: harness().tools.runc, stateRoot: join(work, "state") }, join(work, "bundle"), 30000);
        assert.equal(result.status, 4, result.stderr);
        assert.match(result.stderr, /^error: strace cannot trace here: ptrace is not permitted \(in a container it needs CAP_SYS_PTRACE and a seccomp profile that allows ptrace/m);
        assert.equal(result.stdout, "");
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });

    it("without the runtime's syscalls runc cannot start the container", async () => {
      const args = ["/bin/busybox", "echo", "hi"];
      const result = await record(["--", ...args]);
      const ran = await harness().run({ args, seccomp: renderText(result.out), noNewPrivileges: true });
      assert.notEqual(ran.status, 0);
      assert.equal(ran.stdout, "");
    });
  });
});
