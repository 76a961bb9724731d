/** Exit codes of the `seccomp-operator` command, documented in README.md. */
export const EXIT = {
  ok: 0,
  /** A profile has errors, or findings at or above `--fail-on`. */
  findings: 1,
  /** Wrong flags or arguments. */
  usage: 2,
  /** An input could not be read. */
  input: 3,
  /** A program the command runs (strace, runc, tar) is missing or may not run here. */
  tool: 4,
} as const;

export class UsageError extends Error {
  override name = "UsageError";
}
