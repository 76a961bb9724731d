import { type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { DEFAULT_ARCHITECTURES, dockerArchToken, resolveArchMap, type DockerArchMapEntry } from "./architectures.js";
import { DEFAULT_CAPABILITIES, DEFAULT_NATIVE_ARCHITECTURES, isRecord, type Conversion, type ConvertOptions } from "./conversion.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { resolveErrno } from "./errno-names.js";
import { shadowedByEarlierRules } from "./first-rule-wins.js";

const TOP_LEVEL_KEYS = new Set(["defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata"]);
const RULE_KEYS = new Set(["names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"]);
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
  for (const key of ["defaultAction", "architectures", "flags"]) {
    if (raw[key] !== undefined && raw[key] !== null) candidate[key] = raw[key];
  }
  const defaultErrnoRet = resolveErrno(raw.defaultErrnoRet, raw.defaultErrno, { number: "defaultErrnoRet", name: "defaultErrno" }, diagnostics);
  if (defaultErrnoRet !== undefined && defaultErrnoRet !== null) candidate.defaultErrnoRet = defaultErrnoRet;
  // containers-common (podman, CRI-O, Buildah) names errnos besides or instead of numbering them.
  let named = raw.defaultErrno !== undefined;
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
  // Rules that Docker applies only to some containers (includes/excludes).
  const conditioned = new Set<number>();
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
        if (rule.comment !== undefined && rule.comment !== "") comments++;
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
        if (rule.action !== undefined && rule.action !== null) out.action = rule.action;
        if (rule.errno !== undefined) named = true;
        const errnoRet = resolveErrno(rule.errnoRet, rule.errno, { number: `${path}.errnoRet`, name: `${path}.errno` }, diagnostics);
        if (errnoRet !== undefined && errnoRet !== null) out.errnoRet = errnoRet;
        if (Array.isArray(rule.args) ? rule.args.length > 0 : rule.args !== undefined && rule.args !== null) out.args = rule.args;
        if ([rule.includes, rule.excludes].some((c) => isRecord(c) && Object.keys(c).length > 0)) conditioned.add(rules.length);
        origin.push(i);
        rules.push(out);
      });
      // Deciding includes/excludes can leave a syscall under two rules, which the author meant
      // for different containers; runtimes apply the first: say so, and keep only that one.
      // Contradictions without conditions stay errors (semantic check).
      // Only the names of conditioned rules can be reported, so only they are followed.
      const ofConditioned = new Set<string>();
      for (const k of conditioned) {
        const names = (rules[k] as { names?: unknown }).names;
        if (Array.isArray(names)) for (const name of names) if (typeof name === "string") ofConditioned.add(name);
      }
      const shadowed = shadowedByEarlierRules(rules, candidate.defaultAction, candidate.defaultErrnoRet, ofConditioned).filter(
        (s) => conditioned.has(s.rule) || conditioned.has(s.winner),
      );
      const emptied = new Set<number>();
      for (const s of shadowed) {
        const rule = rules[s.rule] as { names: unknown[]; action?: unknown };
        diagnostics.push(
          diagnostic("warning", "rule-never-applies", `syscalls[${origin[s.rule]}]`, `${s.name}: this rule (${String(rule.action)}) never applies: runc applies syscalls[${origin[s.winner]}], the first unconditional rule for it; left out`),
        );
        rule.names = rule.names.filter((name) => name !== s.name);
        if (rule.names.length === 0) emptied.add(s.rule);
      }
      const kept = rules.map((_, k) => k).filter((k) => !emptied.has(k));
      candidate.syscalls = kept.map((k) => rules[k]);
      const keptOrigin = kept.map((k) => origin[k]!);
      const keptFromName = new Set(kept.flatMap((k, position) => (fromName.has(k) ? [position] : [])));
      origin.splice(0, origin.length, ...keptOrigin);
      fromName.clear();
      for (const k of keptFromName) fromName.add(k);
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
  return { format: named ? "containers-common" : docker ? "docker" : "oci", candidate, diagnostics, relocate };
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
  // Joined only for a message: the rule may name hundreds (Docker's first rule has empty conditions).
  const names = () => (Array.isArray(rule.names) ? rule.names.join(", ") : String(rule.name ?? ""));

  const needs = list(includes.caps).filter((cap) => !capabilities.has(cap));
  if (needs.length > 0) {
    out.push(
      diagnostic("info", "rule-dropped-capabilities", `${path}.includes.caps`, `rule for ${names()} dropped: it applies only with ${needs.join(", ")}, which containers are assumed not to have`, "pass the capabilities your containers add to keep it"),
    );
    return false;
  }
  const has = list(excludes.caps).filter((cap) => capabilities.has(cap));
  if (has.length > 0) {
    out.push(diagnostic("info", "rule-dropped-capabilities", `${path}.excludes.caps`, `rule for ${names()} dropped: it does not apply with ${has.join(", ")}, which containers are assumed to have`));
    return false;
  }
  const included = list(includes.arches);
  if (included.length > 0) {
    const tokens = included.map((a) => dockerArchToken(a));
    if (!arches.some((a) => tokens.includes(a))) {
      out.push(diagnostic("info", "rule-dropped-architecture", `${path}.includes.arches`, `rule for ${names()} dropped: it is only for ${included.join(", ")}, none of this profile's architectures`));
      return false;
    }
    out.push(
      diagnostic("info", "rule-widened-architecture", `${path}.includes.arches`, `rule for ${names()} is only for ${included.join(", ")} in Docker; here it applies on every architecture of the profile (an OCI profile cannot scope a rule)`),
    );
  }
  const excluded = list(excludes.arches);
  if (excluded.length > 0) {
    const tokens = excluded.map((a) => dockerArchToken(a));
    if (arches.every((a) => tokens.includes(a))) {
      out.push(diagnostic("info", "rule-dropped-architecture", `${path}.excludes.arches`, `rule for ${names()} dropped: it excludes every architecture of this profile`));
      return false;
    }
    out.push(
      diagnostic("warning", "rule-widened-architecture", `${path}.excludes.arches`, `rule for ${names()} excludes ${excluded.join(", ")} in Docker; here it applies on every architecture of the profile`),
    );
  }
  if (includes.minKernel !== undefined || excludes.minKernel !== undefined) {
    const field = includes.minKernel !== undefined ? "includes" : "excludes";
    const version = String(includes.minKernel ?? excludes.minKernel);
    out.push(
      diagnostic("info", "min-kernel-ignored", `${path}.${field}.minKernel`, `rule for ${names()} ${field === "includes" ? "applies" : "is skipped"} only from kernel ${version} in Docker; here it ${field === "includes" ? "applies on every kernel" : "always applies"}`),
    );
  }
  return true;
}
