import type { Io } from "./commands.js";
import { UsageError } from "./exit-codes.js";

/** The streams of a command that runs other programs, and the PATH to find them on. */
export interface ToolIo extends Io {
  path?: string;
}

/** Splits `[options] -- COMMAND [ARGS...]`: what comes after `--` is the command, untouched. */
export function splitCommand(argv: readonly string[]): { options: string[]; command: string[] } {
  const at = argv.indexOf("--");
  if (at === -1) {
    if (argv.includes("--help") || argv.includes("-h")) return { options: [...argv], command: [] };
    throw new UsageError("the command to run must follow --");
  }
  return { options: argv.slice(0, at), command: argv.slice(at + 1) };
}
