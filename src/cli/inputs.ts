import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";

export interface Input {
  /** The file as the user named it, or `<stdin>`. */
  file: string;
  text: string;
}

const PROFILE_EXTENSIONS = new Set([".json", ".yaml", ".yml"]);

/**
 * Reads files, folders (recursively, `.json`, `.yaml` and `.yml`, in name order) and `-` for
 * standard input. Unreadable paths are reported, not thrown, so one bad path does not hide the
 * findings of the others.
 */
export function readInputs(paths: readonly string[], stdin: () => string): { inputs: Input[]; errors: string[] } {
  const inputs: Input[] = [];
  const errors: string[] = [];
  for (const path of paths.length === 0 ? ["-"] : paths) {
    if (path === "-") {
      inputs.push({ file: "<stdin>", text: stdin() });
      continue;
    }
    try {
      collect(path, true, inputs);
    } catch (error) {
      errors.push(`${path}: ${error instanceof Error ? error.message.replace(/^[A-Z]+: /, "") : String(error)}`);
    }
  }
  return { inputs, errors };
}

function collect(path: string, named: boolean, out: Input[]): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry.startsWith(".")) continue;
      collect(join(path, entry), false, out);
    }
  } else if (named || PROFILE_EXTENSIONS.has(extname(path).toLowerCase())) {
    out.push({ file: path, text: readFileSync(path, "utf8") });
  }
}

export function readStdin(): string {
  return readFileSync(0, "utf8");
}
