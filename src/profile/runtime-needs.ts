/**
 * Syscalls a container runtime makes itself after it has loaded a container's filter, so a
 * profile must allow them besides the application's. Measured with strace around `runc run`
 * (runc 1.1, x86_64) and checked by the enforcement tests; the README's troubleshooting
 * section explains each. runc loads the filter inside its Go init process and keeps running
 * there until it execs the command.
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

/**
 * Calls of runc init after the filter is loaded whose failure it survives: Go's netpoller
 * registering a file (epoll_ctl), and without noNewPrivileges Go's exec lookup, which tries
 * faccessat2 before it falls back to getuid and friends. A profile without them works, but
 * `verify` reports them denied, so recorded profiles allow them. Measured with `verify`.
 */
export const RUNC_INIT_TOLERATED = ["epoll_ctl"] as const;
export const RUNC_INIT_PRIVILEGED_TOLERATED = ["faccessat2"] as const;

export const RUNTIMES = ["runc"] as const;
export type Runtime = (typeof RUNTIMES)[number];

const NEEDS: Readonly<Record<Runtime, { always: readonly string[]; withoutNoNewPrivileges: readonly string[] }>> = {
  runc: {
    always: [...RUNC_INIT_TAIL, ...GO_RUNTIME, ...RUNC_INIT_TOLERATED],
    withoutNoNewPrivileges: [...RUNC_INIT_PRIVILEGED, ...RUNC_INIT_PRIVILEGED_TOLERATED],
  },
};

/** What `runtime` calls after loading the filter, for a container with this noNewPrivileges; sorted. */
export function runtimeNeeds(runtime: Runtime, noNewPrivileges: boolean): string[] {
  const needs = NEEDS[runtime];
  return [...new Set([...needs.always, ...(noNewPrivileges ? [] : needs.withoutNoNewPrivileges)])].sort();
}
