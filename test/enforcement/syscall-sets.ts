/**
 * Syscalls a container needs under runc 1.1 on x86_64, measured with strace around
 * `runc run` (see the README's troubleshooting section). runc loads the filter inside its
 * Go init process and keeps running there until execve, so a profile must allow runc's
 * own tail as well as the workload.
 */

/**
 * runc init after loading the filter when noNewPrivileges is true (filter loaded just
 * before exec): close the log pipe, open and write the exec FIFO through /proc/self/fd,
 * close leaked fds by listing /proc/self/fd (fstatfs checks it is procfs), then execve.
 */
export const RUNC_INIT_TAIL = ["close", "execve", "fstatfs", "getdents64", "openat", "write"] as const;

/**
 * The Go runtime in runc init can run these at any moment on the filtered thread.
 * rt_sigreturn matters most: Go preempts with SIGURG and a handler cannot return without it
 * (the container then dies of SIGSEGV, nondeterministically).
 */
export const GO_RUNTIME = [
  "futex",
  "rt_sigreturn",
  "rt_sigprocmask",
  "sigaltstack",
  "sched_yield",
  "nanosleep",
  "mmap",
  "munmap",
  "madvise",
  "getpid",
  "gettid",
  "tgkill",
] as const;

/**
 * Extra syscalls of runc init when noNewPrivileges is false: the filter is then loaded
 * before runc drops capabilities and switches user, because loading it needs
 * CAP_SYS_ADMIN without no_new_privs.
 */
export const RUNC_INIT_PRIVILEGED = [
  "capget", // read the current capability sets
  "capset", // apply the container's capabilities
  "chdir", // process.cwd
  "fcntl", // mark inherited fds close-on-exec
  "fstat", // check stdio before changing owner
  "newfstatat", // stat /dev/null; exec lookup
  "getcwd", // verify the working directory is inside the rootfs
  "getppid", // check the parent did not die
  "getuid", // exec permission check fallback
  "prctl", // bounding set, keepcaps, ambient set
  "read", // /proc/self/status, /proc/self/setgroups
  "setgid",
  "setgroups",
  "setuid",
] as const;

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
