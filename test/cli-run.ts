// Runs the seccomp-operator command in-process with buffers for its streams, for tests.
import { run } from "../src/cli/run.js";
import type { ToolIo } from "../src/cli/command-line.js";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** A command of `run` (validate, lint, render, convert, merge, diff), with `stdin` as standard input. */
export function cli(args: string[], stdin = ""): CliResult {
  let out = "";
  let err = "";
  const code = run(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: () => stdin });
  return { code, out, err };
}

/** An asynchronous command (record, verify); `path` replaces PATH for finding its programs. */
export async function cliAsync(command: (argv: readonly string[], io: ToolIo) => Promise<number>, args: string[], path?: string): Promise<CliResult> {
  let out = "";
  let err = "";
  const io: ToolIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin: () => "" };
  if (path !== undefined) io.path = path;
  const code = await command(args, io);
  return { code, out, err };
}
