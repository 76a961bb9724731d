/**
 * OCI bundles for runc: one read-only busybox rootfs shared by every run of a harness, and
 * one bundle directory per run holding only its config.json (root.path is absolute, so
 * bundles need no copy of the rootfs).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";

/** Applets reachable by name inside the container (`sh -c` resolves them through PATH). */
const APPLETS = ["sh", "echo", "cat", "mkdir", "kill", "true", "false", "sleep", "linux32", "linux64", "uname", "ls"];

export const CONTAINER_HOSTNAME = "enforcement-test";

/** Lays out `<dir>/rootfs`: /bin/busybox, applet links, /etc/hostname and mount points. */
export function createRootfs(dir: string, busybox: string): string {
  const rootfs = join(dir, "rootfs");
  for (const sub of ["bin", "etc", "proc", "dev", "sys", "tmp"]) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync(busybox, join(rootfs, "bin", "busybox"));
  chmodSync(join(rootfs, "bin", "busybox"), 0o755);
  for (const applet of APPLETS) symlinkSync("busybox", join(rootfs, "bin", applet));
  // runc does not bind-mount a hostname file the way Docker does, so ship one to read.
  writeFileSync(join(rootfs, "etc", "hostname"), `${CONTAINER_HOSTNAME}\n`);
  return rootfs;
}

// The parts of the runtime spec we read or write; the rest is passed through untouched.
export interface OciSpec {
  process: {
    terminal: boolean;
    args: string[];
    env: string[];
    cwd: string;
    noNewPrivileges?: boolean;
    [key: string]: unknown;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  linux: { seccomp?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/** The default spec of the installed runc (`runc spec`), so the suite follows its defaults. */
export function defaultSpec(runc: string, scratch: string): OciSpec {
  mkdirSync(scratch, { recursive: true });
  execFileSync(runc, ["spec", "--bundle", scratch], { stdio: ["ignore", "ignore", "pipe"] });
  return JSON.parse(readFileSync(join(scratch, "config.json"), "utf8")) as OciSpec;
}

export interface ContainerOptions {
  readonly args: readonly string[];
  /** The `linux.seccomp` object; undefined runs unconfined. */
  readonly seccomp?: unknown;
  readonly noNewPrivileges: boolean;
}

export function containerSpec(base: OciSpec, rootfs: string, options: ContainerOptions): OciSpec {
  const spec = structuredClone(base);
  spec.process.terminal = false;
  spec.process.args = [...options.args];
  spec.process.env = ["PATH=/bin"];
  spec.process.cwd = "/";
  spec.process.noNewPrivileges = options.noNewPrivileges;
  spec.root = { path: rootfs, readonly: true };
  spec.hostname = CONTAINER_HOSTNAME;
  // A writable /tmp, so that a failed mkdir is seccomp's doing and not EROFS.
  spec.mounts = [
    ...spec.mounts.filter((m) => m.destination !== "/tmp"),
    { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=1m"] },
  ];
  if (options.seccomp === undefined) delete spec.linux.seccomp;
  else spec.linux.seccomp = options.seccomp;
  return spec;
}

export function writeBundle(dir: string, spec: OciSpec): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
}
