import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { recordCommand } from "../../src/cli/record-command.js";
import { verifyCommand, type VerifyReport } from "../../src/cli/verify-command.js";
import { cliAsync } from "../cli-run.js";
import { CONTAINER_HOSTNAME, createRootfs } from "./bundle.js";
import { useEnforcement } from "./harness.js";
import { i386Hello } from "./i386-hello.js";

const cli = (command: typeof recordCommand, args: string[]) => cliAsync(command, args);

/** An OCI image archive of two layers: the rootfs, then one that adds /etc/greeting and whites out /etc/hostname. */
function ociArchive(dir: string, rootfs: string): string {
  const layout = join(dir, "layout");
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  const blob = (file: string, mediaType: string) => {
    const data = readFileSync(file);
    const digest = createHash("sha256").update(data).digest("hex");
    writeFileSync(join(layout, "blobs", "sha256", digest), data);
    return { mediaType, digest: `sha256:${digest}`, size: data.length };
  };
  const json = (name: string, value: unknown, mediaType: string) => {
    writeFileSync(join(dir, name), JSON.stringify(value));
    return blob(join(dir, name), mediaType);
  };
  execFileSync("tar", ["-czf", join(dir, "layer1.tar.gz"), "-C", rootfs, "."]);
  const upper = join(dir, "upper");
  mkdirSync(join(upper, "etc"), { recursive: true });
  writeFileSync(join(upper, "etc", "greeting"), "hello from layer 2\n");
  writeFileSync(join(upper, "etc", ".wh.hostname"), "");
  execFileSync("tar", ["-cf", join(dir, "layer2.tar"), "-C", upper, "."]);
  const config = json("config.json", { architecture: "amd64", os: "linux", config: { Env: ["PATH=/bin"], WorkingDir: "/etc" }, rootfs: { type: "layers", diff_ids: [] } }, "application/vnd.oci.image.config.v1+json");
  const manifest = json(
    "manifest.json",
    {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [blob(join(dir, "layer1.tar.gz"), "application/vnd.oci.image.layer.v1.tar+gzip"), blob(join(dir, "layer2.tar"), "application/vnd.oci.image.layer.v1.tar")],
    },
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(layout, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const archive = join(dir, "image.tar");
  execFileSync("tar", ["-cf", archive, "-C", layout, "."]);
  return archive;
}

describe("verify: a profile through runc, with what it denies", function () {
  this.timeout(120000);
  const harness = useEnforcement();
  let dir: string;
  let rootfs: string;
  let echo: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "scp-verify-"));
    rootfs = createRootfs(dir, harness().tools.busybox);
    echo = join(dir, "echo.yaml");
    const recorded = await cli(recordCommand, ["--for-runtime", "runc", "-o", echo, "--", "/bin/busybox", "echo", "hi"]);
    assert.equal(recorded.code, 0, recorded.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a recorded profile runs its command with nothing denied: exit 0", async () => {
    const result = await cli(verifyCommand, [echo, "--rootfs", rootfs, "--", "/bin/busybox", "echo", "hi"]);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /^exit status: 0\ndenied: none\nverified\n$/m);
    assert.match(result.err, /^hi$/m);
  });

  it("reports each denied syscall by name and count, and the command's status: exit 1", async () => {
    const result = await cli(verifyCommand, ["-o", "json", "--no-new-privileges=true", echo, "--rootfs", rootfs, "--", "/bin/busybox", "mkdir", "/tmp/a"]);
    assert.equal(result.code, 1, result.err);
    const report = JSON.parse(result.out) as VerifyReport;
    assert.equal(report.passed, false);
    assert.equal(report.exitStatus, 1, "busybox mkdir fails with EPERM");
    assert.match(report.stderr, /can't create directory '\/tmp\/a': Operation not permitted/);
    assert.deepEqual(report.denied, [{ architecture: "SCMP_ARCH_X86_64", syscall: "mkdir", number: 83, count: 1 }]);
    assert.equal(report.noNewPrivileges, true);
  });

  it("names what runc itself needs when the profile lacks it", async () => {
    const bare = join(dir, "bare.yaml");
    await cli(recordCommand, ["-o", bare, "--", "/bin/busybox", "echo", "hi"]);
    const result = await cli(verifyCommand, ["-o", "json", "--no-new-privileges=true", bare, "--rootfs", rootfs, "--", "/bin/busybox", "echo", "hi"]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.out) as VerifyReport;
    assert.notEqual(report.exitStatus, 0);
    assert.match(report.runcError ?? "", /runc run failed/);
    const names = report.denied.map((d) => d.syscall);
    for (const name of ["close", "fstatfs", "getdents64", "openat"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  });

  it("runs in an OCI image archive, unpacked layer by layer with whiteouts and the image's working directory", async () => {
    const archive = ociArchive(dir, rootfs);
    const cat = join(dir, "cat.yaml");
    const recorded = await cli(recordCommand, ["--image", archive, "--for-runtime", "runc", "-o", cat, "--", "/bin/busybox", "cat", "greeting"]);
    assert.equal(recorded.code, 0, recorded.err);
    assert.match(recorded.err, /hello from layer 2/, "recorded in the image, in its working directory");
    const greeting = await cli(verifyCommand, [cat, "--image", archive, "--", "/bin/busybox", "cat", "greeting"]);
    assert.equal(greeting.code, 0, greeting.out + greeting.err);
    assert.match(greeting.err, /hello from layer 2/);
    const whitedOut = await cli(verifyCommand, ["-o", "json", cat, "--image", archive, "--", "/bin/busybox", "cat", "/etc/hostname"]);
    const report = JSON.parse(whitedOut.out) as VerifyReport;
    assert.equal(report.exitStatus, 1);
    assert.match(report.stderr, /can't open '\/etc\/hostname': No such file or directory/);
    assert.deepEqual(report.denied, []);
    assert.equal(whitedOut.code, 1, "the command failed");
  });

  it("a 32-bit program's recorded profile runs it; without SCMP_ARCH_X86 the kernel kills it and its x86 call is named", async function () {
    const program = join(rootfs, "bin", "hi32");
    writeFileSync(program, i386Hello());
    chmodSync(program, 0o755);
    if (spawnSync(program, { encoding: "utf8" }).stdout !== "hi\n") this.skip(); // a kernel without IA32 emulation
    const recorded = join(dir, "hi32.yaml");
    await cli(recordCommand, ["--for-runtime", "runc", "--no-new-privileges=true", "-o", recorded, "--", program]);
    const passes = await cli(verifyCommand, ["--no-new-privileges=true", recorded, "--rootfs", rootfs, "--", "/bin/hi32"]);
    assert.equal(passes.code, 0, passes.out + passes.err);
    const only64 = join(dir, "hi32-x86_64-only.yaml");
    writeFileSync(only64, readFileSync(recorded, "utf8").replace(/^ {4}- SCMP_ARCH_X86\n/m, ""));
    const result = await cli(verifyCommand, ["-o", "json", "--no-new-privileges=true", only64, "--rootfs", rootfs, "--", "/bin/hi32"]);
    const report = JSON.parse(result.out) as VerifyReport;
    assert.equal(report.exitStatus, 128 + 31, "SIGSYS");
    assert.deepEqual(report.denied, [{ architecture: "SCMP_ARCH_X86", syscall: "write", number: 4, count: 1 }]);
    assert.equal(result.code, 1);
  });

  it("record in the container: the command's syscalls and its children's, not runc's; with runc's needs it verifies", async () => {
    const command = ["--", "/bin/busybox", "sh", "-c", "/bin/busybox cat /etc/hostname; /bin/busybox true"];
    const bare = await cli(recordCommand, ["--rootfs", rootfs, ...command]);
    assert.equal(bare.code, 0, bare.err);
    assert.ok(bare.err.includes(`\n${CONTAINER_HOSTNAME}\n`) || bare.err.startsWith(`${CONTAINER_HOSTNAME}\n`), "the command's output, from the container's /etc/hostname");
    const names = (parse(bare.out) as { spec: { syscalls: { names: string[] }[] } }).spec.syscalls[0]!.names;
    for (const name of ["execve", "wait4", "sendfile"]) assert.ok(names.includes(name), `${name} (shell and child cat)`);
    for (const name of ["fstatfs", "getdents64", "capget"]) assert.ok(!names.includes(name), `${name} is runc's, not the command's`);
    const withRunc = join(dir, "recorded-in-container.yaml");
    const recorded = await cli(recordCommand, ["--rootfs", rootfs, "--for-runtime", "runc", "-o", withRunc, ...command]);
    assert.equal(recorded.code, 0, recorded.err);
    const verified = await cli(verifyCommand, [withRunc, "--rootfs", rootfs, ...command]);
    assert.equal(verified.code, 0, verified.out + verified.err);
  });

  it("refuses an archive that is not an OCI image, and bad usage", async () => {
    const notImage = join(dir, "not-an-image.tar");
    execFileSync("tar", ["-cf", notImage, "-C", rootfs, "etc"]);
    const result = await cli(verifyCommand, [echo, "--image", notImage, "--", "/bin/busybox", "true"]);
    assert.equal(result.code, 3);
    assert.match(result.err, /not-an-image\.tar: not an OCI image archive \(no index\.json\)/);
    await assert.rejects(cli(verifyCommand, [echo, "--rootfs", rootfs, "--image", notImage, "--", "/bin/true"]), /give one of --rootfs DIR and --image OCI-ARCHIVE/);
    await assert.rejects(cli(verifyCommand, [echo, "--rootfs", rootfs, "--"]), /needs a command after --/);
    await assert.rejects(cli(verifyCommand, ["--rootfs", rootfs, "--", "/bin/true"]), /needs a profile/);
  });
});
