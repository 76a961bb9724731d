/**
 * OCI bundles for runc: one bundle directory per run holding only its config.json, around a
 * rootfs used read-only (root.path is absolute, so bundles need no copy of the rootfs).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

/** The default spec of the installed runc (`runc spec`), so containers get its defaults. */
export function defaultSpec(runc: string, scratch: string): OciSpec {
  mkdirSync(scratch, { recursive: true });
  execFileSync(runc, ["spec", "--bundle", scratch], { stdio: ["ignore", "ignore", "pipe"] });
  return JSON.parse(readFileSync(join(scratch, "config.json"), "utf8")) as OciSpec;
}

export interface ContainerOptions {
  readonly args: readonly string[];
  readonly hostname: string;
  /** The process environment; default PATH=/bin. */
  readonly env?: readonly string[];
  /** The working directory; default /. */
  readonly cwd?: string;
  /** The `linux.seccomp` object; undefined runs unconfined. */
  readonly seccomp?: unknown;
  readonly noNewPrivileges: boolean;
}

export function containerSpec(base: OciSpec, rootfs: string, options: ContainerOptions): OciSpec {
  const spec = structuredClone(base);
  spec.process.terminal = false;
  spec.process.args = [...options.args];
  spec.process.env = [...(options.env ?? ["PATH=/bin"])];
  spec.process.cwd = options.cwd ?? "/";
  spec.process.noNewPrivileges = options.noNewPrivileges;
  spec.root = { path: rootfs, readonly: true };
  spec.hostname = options.hostname;
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
