/**
 * The four example profiles of the article this project started from (test/fixtures/corpus/seed,
 * or the shared corpus next to the repository when the fixtures are absent), and what runc
 * makes of them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderText, type OciSeccomp } from "./render.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const SEED_NAMES = ["medium-basic", "hi-pod", "hi-container", "medium-mixed"] as const;
export type SeedName = (typeof SEED_NAMES)[number];

export function seedDir(): string {
  const fixtures = join(REPO_ROOT, "test", "fixtures", "corpus", "seed");
  return existsSync(fixtures) ? fixtures : join(REPO_ROOT, "..", "shared", "corpus", "seed");
}

export function seedText(name: SeedName): string {
  return readFileSync(join(seedDir(), `${name}-seccomp.json`), "utf8");
}

/** The seed rendered by the engine, optionally with more syscalls allowed. */
export function renderSeed(name: SeedName, allow: readonly string[] = []): OciSeccomp {
  if (allow.length === 0) return renderText(seedText(name));
  const profile = JSON.parse(seedText(name)) as { syscalls?: unknown[] };
  profile.syscalls = [...(profile.syscalls ?? []), { names: [...allow], action: "SCMP_ACT_ALLOW" }];
  return renderText(JSON.stringify(profile));
}

export interface SeedFinding {
  readonly passes: boolean;
  /** For a failing seed: runc's first complaint, in words and as matched on stderr. */
  readonly failure?: { readonly reason: string; readonly stderr: RegExp };
  /** The smallest set of syscalls to add for `busybox echo` to pass (measured by removal). */
  readonly missing: readonly string[];
}

/**
 * Findings on runc 1.1 (Debian 1.1.5, with the CVE-2024-21626 fix that added the working
 * directory check) and the static busybox of Debian 12, x86_64. rt_sigreturn is in every
 * list: without it Go's preemption signal kills runc init at random (SIGSEGV).
 */
export const SEED_FINDINGS: Readonly<Record<SeedName, { readonly nnp: SeedFinding; readonly privileged: SeedFinding }>> = {
  "medium-basic": {
    nnp: {
      passes: false,
      failure: { reason: "close log pipe: EPERM (close)", stderr: /close log pipe fd \d+: operation not permitted/ },
      missing: ["close", "execve", "fstatfs", "getdents64", "mprotect", "openat", "rt_sigreturn"],
    },
    privileged: {
      passes: false,
      failure: { reason: "open /proc/self/fd: ENOSYS (openat)", stderr: /error closing exec fds: open \/proc\/self\/fd: function not implemented/ },
      missing: [
        "capget", "capset", "chdir", "close", "execve", "fstat", "fstatfs", "getcwd", "getdents64", "getppid",
        "getuid", "mprotect", "newfstatat", "openat", "prctl", "rt_sigreturn", "setgid", "setgroups", "setuid",
      ],
    },
  },
  "hi-pod": {
    nnp: { passes: true, missing: ["rt_sigreturn"] },
    privileged: {
      passes: false,
      failure: { reason: "verify working directory: EPERM (getcwd)", stderr: /failed to verify if current working directory is safe: operation not permitted/ },
      missing: ["getcwd", "getuid", "rt_sigreturn"],
    },
  },
  "hi-container": {
    nnp: {
      passes: false,
      failure: { reason: "open exec fifo: ENOSYS (openat)", stderr: /open exec fifo \/proc\/self\/fd\/\d+: function not implemented/ },
      missing: ["fstatfs", "getdents64", "openat", "rt_sigreturn"],
    },
    privileged: {
      passes: false,
      failure: { reason: "open /proc/self/fd: ENOSYS (openat)", stderr: /error closing exec fds: open \/proc\/self\/fd: function not implemented/ },
      missing: [
        "capget", "capset", "chdir", "fstat", "fstatfs", "getcwd", "getdents64", "getppid", "getuid", "newfstatat",
        "openat", "prctl", "read", "rt_sigreturn", "setgid", "setgroups", "setuid",
      ],
    },
  },
  "medium-mixed": {
    nnp: { passes: true, missing: [] },
    privileged: { passes: true, missing: [] },
  },
};

/** The runc releases the findings above were measured on. */
export const FINDINGS_RUNC = /^1\.1\./;
