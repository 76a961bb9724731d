/**
 * Finds runc and a static busybox, and decides whether the enforcement suite can run here.
 * Absent tools skip the suite with a printed reason; present tools that cannot run a
 * container are a failure, so a broken CI machine never passes by skipping.
 */
import { openSync, readSync, closeSync } from "node:fs";
import { findExecutable } from "../../src/cli/executables.js";

export interface RuntimeTools {
  readonly runc: string;
  readonly busybox: string;
}

export type ToolSearch =
  | { readonly found: true; readonly tools: RuntimeTools }
  | { readonly found: false; readonly reason: string };

/** Set to `required` (CI) to turn every skip reason into a failure. */
export const REQUIRE_ENV = "SECCOMP_ENFORCEMENT";

export function enforcementRequired(): boolean {
  return process.env[REQUIRE_ENV] === "required";
}

/**
 * A dynamically linked busybox would fail inside an empty rootfs with a confusing ENOENT,
 * so look for an ELF PT_INTERP program header (64-bit little-endian ELF only).
 */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return false;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

export function findTools(): ToolSearch {
  if (process.platform !== "linux") return { found: false, reason: `seccomp needs Linux, this is ${process.platform}` };
  const runc = process.env.RUNC ?? findExecutable("runc");
  if (runc === undefined || findExecutable(runc) === undefined) {
    return { found: false, reason: "runc not found (install the Debian package `runc` or set RUNC)" };
  }
  // busybox-static installs /bin/busybox; the dynamic `busybox` package must not be picked.
  const chosen = process.env.BUSYBOX;
  const candidates = chosen !== undefined ? [chosen] : ["/bin/busybox", "/usr/bin/busybox", findExecutable("busybox")];
  const present = candidates.filter((p): p is string => p !== undefined && findExecutable(p) !== undefined);
  if (present.length === 0) {
    return { found: false, reason: "busybox not found (install the Debian package `busybox-static` or set BUSYBOX)" };
  }
  const busybox = present.find(isStaticElf);
  if (busybox === undefined) {
    return { found: false, reason: `busybox at ${present[0]} is dynamically linked; install \`busybox-static\`` };
  }
  return { found: true, tools: { runc, busybox } };
}

/** Why this process cannot drive runc as configured (rootful runc, cgroups, mounts). */
export function privilegeProblem(): string | undefined {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "runc is installed but the suite runs rootful containers and this process is not root";
  }
  return undefined;
}
