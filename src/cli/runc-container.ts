import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Io } from "./commands.js";
import { EXIT } from "./exit-codes.js";
import { findExecutable } from "./executables.js";
import { containerSpec, defaultSpec, writeBundle } from "./oci-bundle.js";
import { ImageError, unpackImage, type ImageConfig } from "./oci-image.js";
import { runBundle, type BundleRunOptions, type RunResult } from "./runc-run.js";

/** Runs the command once in a fresh container; `seccomp` undefined runs it unconfined. */
export type ContainerRun = (seccomp: unknown, options?: BundleRunOptions) => Promise<RunResult>;

export interface ContainerOptions {
  /** A folder to use read-only as the root file system, or an OCI image archive to unpack. */
  rootfs?: string;
  image?: string;
  command: readonly string[];
  noNewPrivileges: boolean;
  timeoutMs: number;
  /** Where bundles, runc's state and an unpacked image go; the caller removes it. */
  work: string;
  /** PATH to find runc on. */
  path?: string;
}

const HOSTNAME = "seccomp-operator";

/** Why runc cannot run containers for this process, or undefined. */
export function runcProblem(path?: string): string | undefined {
  if (findExecutable("runc", path) === undefined) return "runc not found on PATH: install it (Debian/Ubuntu: apt-get install runc)";
  if (process.getuid?.() !== 0) return "containers run with rootful runc: run this as root";
  return undefined;
}

/**
 * Builds what runs the command in runc containers from the rootfs or the image (its Env and
 * WorkingDir apply). Returns an exit code, with the reason printed, when the input is unusable.
 */
export function containerRunner(options: ContainerOptions, io: Pick<Io, "stderr">): ContainerRun | number {
  const runc = findExecutable("runc", options.path)!;
  let rootfs: string;
  let image: ImageConfig = {};
  if (options.image !== undefined) {
    rootfs = join(options.work, "rootfs");
    try {
      image = unpackImage(options.image, options.work, rootfs);
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      io.stderr(`error: ${error.message}\n`);
      return EXIT.input;
    }
    mkdirSync(join(rootfs, "tmp"), { recursive: true });
  } else {
    rootfs = options.rootfs!;
    if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) {
      io.stderr(`error: cannot read ${rootfs}: not a folder\n`);
      return EXIT.input;
    }
  }
  const base = defaultSpec(runc, join(options.work, "spec"));
  let runs = 0;
  return async (seccomp, runOptions = {}) => {
    const bundle = join(options.work, `bundle-${++runs}`);
    const config = containerSpec(base, rootfs, {
      args: options.command,
      hostname: HOSTNAME,
      ...(image.env === undefined ? {} : { env: image.env }),
      ...(image.cwd === undefined ? {} : { cwd: image.cwd }),
      seccomp,
      noNewPrivileges: options.noNewPrivileges,
    });
    // A read-only rootfs without /tmp cannot get the tmpfs mount point.
    if (!existsSync(join(rootfs, "tmp"))) config.mounts = config.mounts.filter((m) => m.destination !== "/tmp");
    writeBundle(bundle, config);
    if (runOptions.pidFile !== undefined) rmSync(runOptions.pidFile, { force: true });
    try {
      return await runBundle({ runc, stateRoot: join(options.work, "state") }, bundle, options.timeoutMs, runOptions);
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  };
}
