/**
 * The one place profiles become `linux.seccomp` objects in this suite. Until the engine in
 * src/profile/ exists this passes the spec through unchanged; switching `render` and
 * `renderText` to the engine makes every test below verify the engine's bytes.
 */

export interface ArgCondition {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SyscallRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: ArgCondition[];
}

/** The SeccompProfile spec fields that shape the filter. */
export interface ProfileSpec {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: SyscallRule[];
  flags?: string[];
}

export type OciSeccomp = Record<string, unknown>;

export const RENDERED_BY = "passthrough (engine not wired yet)";

export function render(spec: ProfileSpec): OciSeccomp {
  return JSON.parse(JSON.stringify(spec)) as OciSeccomp;
}

/** A profile file's text (Docker/OCI JSON or a SeccompProfile manifest). */
export function renderText(text: string, _source?: string): OciSeccomp {
  return JSON.parse(text) as OciSeccomp;
}
