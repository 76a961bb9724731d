/** Profile specs the enforcement tests start from. */
import type { ProfileSpec } from "./render.js";
import { BASE_ALLOWLIST, unique } from "./syscall-sets.js";

export interface AllowlistOptions {
  /** Syscalls allowed on top of what runc and busybox echo/cat need. */
  readonly extra?: readonly string[];
  /** Syscalls taken out of the allowlist. */
  readonly without?: readonly string[];
  readonly defaultErrnoRet?: number;
  readonly rules?: ProfileSpec["syscalls"];
}

/** defaultAction ERRNO with an allowlist that lets runc start busybox echo and cat. */
export function allowlist(options: AllowlistOptions = {}): ProfileSpec {
  const without = new Set(options.without ?? []);
  const names = unique([...BASE_ALLOWLIST, ...(options.extra ?? [])]).filter((n) => !without.has(n));
  const spec: ProfileSpec = {
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [{ names, action: "SCMP_ACT_ALLOW" }, ...(options.rules ?? [])],
  };
  if (options.defaultErrnoRet !== undefined) spec.defaultErrnoRet = options.defaultErrnoRet;
  return spec;
}

/** defaultAction ALLOW with the given rules: a denylist. */
export function denylist(rules: NonNullable<ProfileSpec["syscalls"]>): ProfileSpec {
  return { defaultAction: "SCMP_ACT_ALLOW", syscalls: rules };
}

/** Exit status of a process killed by SIGSYS, as runc reports it. */
export const SIGSYS_STATUS = 128 + 31;
/** Exit status of a process killed by SIGSEGV. */
export const SIGSEGV_STATUS = 128 + 11;
