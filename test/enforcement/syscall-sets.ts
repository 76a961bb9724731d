/**
 * Syscalls a container needs under runc 1.1 on x86_64: runc's own (src/profile/runtime-needs.ts,
 * which `record --for-runtime` uses too) and busybox's.
 */

import { GO_RUNTIME, RUNC_INIT_PRIVILEGED, RUNC_INIT_TAIL } from "../../src/profile/runtime-needs.js";

export { GO_RUNTIME, RUNC_INIT_PRIVILEGED, RUNC_INIT_TAIL };

/** Start-up of the static glibc busybox; failures here are tolerated except these. */
export const BUSYBOX_STARTUP = ["arch_prctl", "brk", "mprotect", "exit_group", "write"] as const;

/** Start-up calls glibc tolerates failing; allowed so outcomes do not depend on them. */
export const BUSYBOX_STARTUP_OPTIONAL = [
  "set_tid_address",
  "set_robust_list",
  "rseq",
  "prlimit64",
  "readlink",
  "getrandom",
  "prctl",
  "getuid",
] as const;

/** `busybox cat FILE`. */
export const BUSYBOX_CAT = ["openat", "read", "sendfile", "close", "fstat"] as const;

/** Everything runc (noNewPrivileges true) and busybox echo/cat need: the allowlist base. */
export const BASE_ALLOWLIST: readonly string[] = unique([
  ...RUNC_INIT_TAIL,
  ...GO_RUNTIME,
  ...BUSYBOX_STARTUP,
  ...BUSYBOX_STARTUP_OPTIONAL,
  ...BUSYBOX_CAT,
]);

export function unique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
