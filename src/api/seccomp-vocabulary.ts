/**
 * The vocabulary of an OCI seccomp profile: actions, comparison operators, filter flags and
 * architecture tokens, as runc and crun accept them in `linux.seccomp`. The API schema and
 * the profile engine both take their words from here.
 */

export const ACTIONS = [
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions that carry a return value (`errnoRet`): runc sets it for ERRNO and TRACE only. */
export const ACTIONS_WITH_RETURN: readonly Action[] = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

/** The kernel's name for each action in /proc/sys/kernel/seccomp/actions_avail. */
export const KERNEL_ACTION_NAME: Readonly<Record<Action, string>> = {
  SCMP_ACT_ALLOW: "allow",
  SCMP_ACT_ERRNO: "errno",
  // SCMP_ACT_KILL is KILL_THREAD in libseccomp.
  SCMP_ACT_KILL: "kill_thread",
  SCMP_ACT_KILL_PROCESS: "kill_process",
  SCMP_ACT_KILL_THREAD: "kill_thread",
  SCMP_ACT_TRAP: "trap",
  SCMP_ACT_TRACE: "trace",
  SCMP_ACT_LOG: "log",
  SCMP_ACT_NOTIFY: "user_notif",
};

export const OPERATORS = [
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const FLAGS = [
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
] as const;
export type Flag = (typeof FLAGS)[number];

/** Largest errno the kernel accepts in SECCOMP_RET_ERRNO's 16-bit data field that libc treats as an errno. */
export const MAX_ERRNO = 4095;

/** Syscall arguments are numbered 0..5 in `struct seccomp_data`. */
export const MAX_ARG_INDEX = 5;

/** Every token of the OCI runtime spec, in its order. */
export const ARCHITECTURE_TOKENS = [
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X86_64",
  "SCMP_ARCH_X32",
  "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_RISCV64",
  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH",
  "SCMP_ARCH_SHEB",
] as const;
export type ArchitectureToken = (typeof ARCHITECTURE_TOKENS)[number];

const TOKEN_SET: ReadonlySet<string> = new Set(ARCHITECTURE_TOKENS);

export function isArchitectureToken(value: string): value is ArchitectureToken {
  return TOKEN_SET.has(value);
}
