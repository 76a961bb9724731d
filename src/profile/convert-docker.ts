import { type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { DEFAULT_ARCHITECTURES, dockerArchToken, resolveArchMap, type DockerArchMapEntry } from "./architectures.js";
import { DEFAULT_CAPABILITIES, DEFAULT_NATIVE_ARCHITECTURES, isRecord, type Conversion, type ConvertOptions } from "./conversion.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";

const TOP_LEVEL_KEYS = new Set(["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata"]);
const RULE_KEYS = new Set(["names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"]);
const CONDITION_KEYS = new Set(["caps", "arches", "minKernel"]);
const DOCKER_ONLY_KEYS = ["archMap", "name", "comment", "includes", "excludes"];

/**
 * Brings a Docker or OCI JSON profile to our spec. containerd copies a Localhost profile into
 * the OCI struct and silently drops Docker's `archMap`, `includes`/`excludes` and `comment`, so
 * each is resolved here explicitly, with a note, or refused with a reason.
 */
export function fromDockerProfile(raw: Record<string, unknown>, options: ConvertOptions = {}): Conversion {
  const diagnostics: Diagnostic[] = [];
  const capabilities = new Set(options.capabilities ?? DEFAULT_CAPABILITIES);
  const candidate: Record<string, unknown> = {};
  let docker = false;

  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      diagnostics.push(diagnostic("error", "unknown-field", key, `unknown field ${JSON.stringify(key)} in a seccomp profile`));
    }
  }
  for (const key of ["defaultAction", "defaultErrnoRet", "architectures", "flags"]) {
    if (raw[key] !== undefined && raw[key] !== null) candidate[key] = raw[key];
  }
  for (const key of ["listenerPath", "listenerMetadata"]) {
    if (raw[key] !== undefined && raw[key] !== "") {
      diagnostics.push(
        diagnostic("error", "unsupported-field", key, `${key} is not supported: a Localhost profile cannot connect a seccomp agent`, "remove it and the SCMP_ACT_NOTIFY rules"),
      );
    }
  }

  let arches: readonly ArchitectureToken[] = Array.isArray(raw.architectures)
    ? raw.architectures.map((a) => dockerArchToken(String(a))).filter((a): a is ArchitectureToken => a !== undefined)
    : [];
  if (raw.archMap !== undefined && raw.archMap !== null) {
    docker = true;
    if (Array.isArray(raw.architectures) && raw.architectures.length > 0) {
      diagnostics.push(diagnostic("error", "conflicting-fields", "archMap", "architectures and archMap are both set; Docker refuses this too", "keep one"));
    } else if (!Array.isArray(raw.archMap) || !raw.archMap.every((e) => isRecord(e) && typeof e.architecture === "string")) {
      diagnostics.push(diagnostic("error", "invalid-type", "archMap", "archMap must be a list of {architecture, subArchitectures}"));
    } else {
      // Docker picks the host's entry at run time; one node file cannot, and one filter cannot
      // mix byte orders, so only the entries of the nodes' native architectures are kept.
      const natives = options.nativeArchitectures ?? DEFAULT_NATIVE_ARCHITECTURES;
      const entries = raw.archMap as DockerArchMapEntry[];
      const kept = entries.filter((e) => natives.includes(dockerArchToken(e.architecture) as ArchitectureToken));
      const resolved = resolveArchMap(kept);
      for (const name of resolveArchMap(entries).unknown) {
        diagnostics.push(diagnostic("error", "unknown-architecture", "archMap", `unknown architecture ${JSON.stringify(name)}`));
      }
      if (resolved.architectures.length === 0) {
        diagnostics.push(diagnostic("error", "no-architecture", "archMap", `archMap has no entry for ${natives.join(", ")}`, "choose the nodes' architectures"));
      }
      arches = resolved.architectures;
      candidate.architectures = resolved.architectures;
      const dropped = entries.filter((e) => !kept.includes(e)).map((e) => e.architecture);
      diagnostics.push(
        diagnostic(
          "info",
          "archmap-resolved",
          "archMap",
          `archMap resolved to architectures ${resolved.architectures.join(", ")} (containerd ignores archMap)${dropped.length > 0 ? `; entries for ${dropped.join(", ")} left out` : ""}`,
        ),
      );
    }
  }
  if (arches.length === 0) arches = DEFAULT_ARCHITECTURES;

  // Our rule k came from source rule origin[k]; fromName marks rules written with the old `name`.
  const origin: number[] = [];
  const fromName = new Set<number>();
  if (raw.syscalls !== undefined && raw.syscalls !== null) {
    if (!Array.isArray(raw.syscalls)) {
      candidate.syscalls = raw.syscalls;
    } else {
      const rules: unknown[] = [];
      let comments = 0;
      raw.syscalls.forEach((rule: unknown, i: number) => {
        if (!isRecord(rule)) {
          origin.push(i);
          rules.push(rule);
          return;
        }
        const path = `syscalls[${i}]`;
        for (const key of Object.keys(rule)) {
          if (!RULE_KEYS.has(key)) diagnostics.push(diagnostic("error", "unknown-field", `${path}.${key}`, `unknown field ${JSON.stringify(key)} in a syscall rule`));
        }
        if (DOCKER_ONLY_KEYS.some((key) => rule[key] !== undefined)) docker = true;
        if (rule.comment !== undefined) comments++;
        if (!keepRule(rule, path, capabilities, arches, diagnostics)) return;
        const out: Record<string, unknown> = {};
        if (rule.name !== undefined && rule.name !== "") {
          if (Array.isArray(rule.names) && rule.names.length > 0) {
            diagnostics.push(diagnostic("error", "conflicting-fields", `${path}.name`, "name and names are both set; use names"));
          }
          out.names = [rule.name];
          fromName.add(rules.length);
        } else if (rule.names !== undefined) {
          out.names = rule.names;
        }
        for (const key of ["action", "errnoRet"]) if (rule[key] !== undefined && rule[key] !== null) out[key] = rule[key];
        if (Array.isArray(rule.args) ? rule.args.length > 0 : rule.args !== undefined && rule.args !== null) out.args = rule.args;
        origin.push(i);
        rules.push(out);
      });
      candidate.syscalls = rules;
      if (comments > 0) {
        diagnostics.push(diagnostic("info", "comments-dropped", "syscalls", `${comments} rule comment${comments > 1 ? "s" : ""} not kept (no OCI field holds them)`));
      }
      if (fromName.size > 0) {
        diagnostics.push(diagnostic("info", "old-name-format", "syscalls", `${fromName.size} rules in the old single-name format converted to names`));
      }
    }
  }

  const relocate = (specPath: string): string => {
    const path = specPath.replace(/^spec\.?/, "");
    const match = /^syscalls\[(\d+)\](.*)$/.exec(path);
    if (match === null) return path;
    const index = Number(match[1]);
    let rest = match[2]!;
    // A rule written with the old singular `name` has no `names` in the source.
    if (fromName.has(index)) rest = rest.replace(/^\.names\[0\]/, ".name");
    return `syscalls[${origin[index] ?? index}]${rest}`;
  };
  return { format: docker ? "docker" : "oci", candidate, diagnostics, relocate };
}

/**
 * Docker applies a rule only when its `includes` hold and its `excludes` do not, for the
 * container at hand. A node file serves every container, so the conditions are resolved once,
 * against the capabilities the container is assumed to have, and what changes is said.
 */
function keepRule(
  rule: Record<string, unknown>,
  path: string,
  capabilities: ReadonlySet<string>,
  arches: readonly ArchitectureToken[],
  out: Diagnostic[],
): boolean {
  const includes = isRecord(rule.includes) ? rule.includes : {};
  const excludes = isRecord(rule.excludes) ? rule.excludes : {};
  for (const [field, value] of [["includes", rule.includes], ["excludes", rule.excludes]] as const) {
    if (value === undefined || value === null) continue;
    if (!isRecord(value)) {
      out.push(diagnostic("error", "invalid-type", `${path}.${field}`, `${field} must be an object`));
      return false;
    }
    for (const key of Object.keys(value)) {
      if (!CONDITION_KEYS.has(key)) out.push(diagnostic("error", "unknown-field", `${path}.${field}.${key}`, `unknown field ${JSON.stringify(key)}`));
    }
  }
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  if (rule.includes === undefined && rule.excludes === undefined) return true;
  const names = Array.isArray(rule.names) ? rule.names.join(", ") : String(rule.name ?? "");

  const needs = list(includes.caps).filter((cap) => !capabilities.has(cap));
  if (needs.length > 0) {
    out.push(
      diagnostic("info", "rule-dropped-capabilities", `${path}.includes.caps`, `rule for ${names} dropped: it applies only with ${needs.join(", ")}, which containers are assumed not to have`, "pass the capabilities your containers add to keep it"),
    );
    return false;
  }
  const has = list(excludes.caps).filter((cap) => capabilities.has(cap));
  if (has.length > 0) {
    out.push(diagnostic("info", "rule-dropped-capabilities", `${path}.excludes.caps`, `rule for ${names} dropped: it does not apply with ${has.join(", ")}, which containers are assumed to have`));
    return false;
  }
  const included = list(includes.arches);
  if (included.length > 0) {
    const tokens = included.map((a) => dockerArchToken(a));
    if (!arches.some((a) => tokens.includes(a))) {
      out.push(diagnostic("info", "rule-dropped-architecture", `${path}.includes.arches`, `rule for ${names} dropped: it is only for ${included.join(", ")}, none of this profile's architectures`));
      return false;
    }
    out.push(
      diagnostic("info", "rule-widened-architecture", `${path}.includes.arches`, `rule for ${names} is only for ${included.join(", ")} in Docker; here it applies on every architecture of the profile (an OCI profile cannot scope a rule)`),
    );
  }
  const excluded = list(excludes.arches);
  if (excluded.length > 0) {
    const tokens = excluded.map((a) => dockerArchToken(a));
    if (arches.every((a) => tokens.includes(a))) {
      out.push(diagnostic("info", "rule-dropped-architecture", `${path}.excludes.arches`, `rule for ${names} dropped: it excludes every architecture of this profile`));
      return false;
    }
    out.push(
      diagnostic("warning", "rule-widened-architecture", `${path}.excludes.arches`, `rule for ${names} excludes ${excluded.join(", ")} in Docker; here it applies on every architecture of the profile`),
    );
  }
  if (includes.minKernel !== undefined || excludes.minKernel !== undefined) {
    const field = includes.minKernel !== undefined ? "includes" : "excludes";
    const version = String(includes.minKernel ?? excludes.minKernel);
    out.push(
      diagnostic("info", "min-kernel-ignored", `${path}.${field}.minKernel`, `rule for ${names} ${field === "includes" ? "applies" : "is skipped"} only from kernel ${version} in Docker; here it ${field === "includes" ? "applies on every kernel" : "always applies"}`),
    );
  }
  return true;
}
