import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

// runc lives in sbin on Debian, which a non-login PATH often lacks.
const SBIN = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** The executable `name` on PATH (then the sbin folders), or undefined. A name with a slash is taken as a path. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  const candidates = name.includes("/") ? [name] : [...path.split(delimiter), ...SBIN].filter((d) => d !== "" && isAbsolute(d)).map((d) => join(d, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
