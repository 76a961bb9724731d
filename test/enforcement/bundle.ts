/**
 * The busybox rootfs shared (read-only) by every run of a harness; src/cli/oci-bundle.ts
 * writes one bundle per run around it.
 */
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
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

