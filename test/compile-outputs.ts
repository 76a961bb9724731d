// Everything the engine says about a fixed set of inputs: every corpus and format fixture, and
// hand-made profiles that reach each check (unknown names past the caps, contradictions,
// conditions, bases, malformed input). test/unit/compile-output.test.ts compares it with
// test/fixtures/compile-outputs.json, so a change that only means to make the engine faster
// cannot change a byte it writes or a word it reports. `npx tsx hack/pin-compile-outputs.ts`
// rewrites the file after an intended change.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SeccompProfile } from "../src/api/seccomp-profile.js";
import { compileObject, compileProfile, type ProfileEntry } from "../src/profile/compile.js";
import type { ConvertOptions } from "../src/profile/conversion.js";
import { loadProfiles } from "../src/profile/load.js";
import { corpusProfiles, readCorpus, REPO_ROOT } from "./corpus.js";

export const COMPILE_OUTPUTS = join(REPO_ROOT, "test", "fixtures", "compile-outputs.json");

const CATALOGUE = "catalogue";
const FORMATS = join(REPO_ROOT, "test", "fixtures", "formats");

const allow = (names: string[], more: object = {}) => ({ names, action: "SCMP_ACT_ALLOW", ...more });
const oci = (body: object) => JSON.stringify({ defaultAction: "SCMP_ACT_ERRNO", ...body }, null, 2);
const unknownNames = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => `zz${(i + offset).toString(36)}_q`);
const manifest = (name: string, spec: object, namespace = "team") =>
  JSON.stringify({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name, namespace }, spec });

/** Hand-made inputs: title, text, and the conversion options when not the defaults. */
const MADE: { title: string; text: string; options?: ConvertOptions }[] = [
  { title: "unknown names past both caps", text: oci({ syscalls: [allow(["exit", "exit_grup", "opnat", "Read".toLowerCase(), ...unknownNames(90)]), allow(unknownNames(30, 90))] }) },
  { title: "the most names the schema allows, all unknown", text: oci({ syscalls: [0, 1, 2, 3].map((k) => allow(unknownNames(1024, k * 1024))) }) },
  { title: "one name too many", text: oci({ syscalls: [0, 1, 2, 3, 4].map((k) => allow(unknownNames(k === 4 ? 1 : 1024, k * 1024))) }) },
  { title: "names the schema refuses beside unknown ones", text: oci({ syscalls: [allow(["Read", "read", "exit_grup", "a".repeat(70), "9x"]), { names: ["write"], action: "SCMP_ACT_ALOW" }] }) },
  { title: "a name twice, a name under two actions, the same rule twice", text: oci({ syscalls: [allow(["read", "write", "read", "ptrace"]), { names: ["ptrace", "mkdir"], action: "SCMP_ACT_ERRNO" }, allow(["write"]), { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] }) },
  {
    title: "conditional rules: overlapping, shadowed, repeated arguments, masks",
    text: oci({
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
      flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_LOG"],
      syscalls: [
        allow(["exit", "exit_group", "rt_sigreturn", "personality", "mount", "ptrace", "setuid"]),
        { names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] },
        allow(["clone", "socket"], { args: [{ index: 0, value: 255, valueTwo: 16, op: "SCMP_CMP_MASKED_EQ" }, { index: 0, value: 3, op: "SCMP_CMP_GT" }] }),
        { names: ["socket", "clone"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [{ index: 0, value: 16, op: "SCMP_CMP_EQ" }, { index: 1, value: 2, op: "SCMP_CMP_LE" }] },
        { names: ["socket"], action: "SCMP_ACT_LOG", args: [{ index: 0, value: 15, valueTwo: 16, op: "SCMP_CMP_MASKED_EQ" }] },
        allow(["socket"], { args: [{ index: 2, value: 0, op: "SCMP_CMP_NE" }, { index: 2, value: 7, op: "SCMP_CMP_LT" }] }),
        { names: ["ioctl"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 21505, op: "SCMP_CMP_GE" }] },
        { names: ["ioctl"], action: "SCMP_ACT_KILL_THREAD", args: [{ index: 1, value: 30000, op: "SCMP_CMP_LT" }] },
        { names: ["kexec_load"], action: "SCMP_ACT_ERRNO" },
      ],
    }),
  },
  {
    title: "more conditional pairs than are checked",
    text: oci({ syscalls: Array.from({ length: 200 }, (_, k) => ({ names: ["ioctl"], action: k % 2 === 0 ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO", args: [{ index: 1, value: k, op: "SCMP_CMP_GE" }] })) }),
  },
  { title: "contradictions of defaults, byte orders and errnos", text: oci({ defaultAction: "SCMP_ACT_NOTIFY", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_S390X"], syscalls: [{ names: ["read"], action: "SCMP_ACT_NOTIFY" }, allow(["write"], { errnoRet: 3 }), allow(["bpf"], { args: [{ index: 0, value: 1, valueTwo: 1, op: "SCMP_CMP_EQ" }] })] }) },
  { title: "an allow-by-default blocklist with kill actions", text: oci({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["ptrace", "bpf", "exit"], action: "SCMP_ACT_KILL" }, allow(["read"]), { names: ["mount"], action: "SCMP_ACT_KILL_THREAD", args: [{ index: 2, value: 0, op: "SCMP_CMP_EQ" }] }] }) },
  { title: "audit mode with a redundant rule", text: oci({ defaultAction: "SCMP_ACT_LOG", syscalls: [{ names: ["read"], action: "SCMP_ACT_LOG" }, allow(["capset", "setgid", "setgroups", "setuid", "exit", "exit_group", "rt_sigreturn"])] }) },
  { title: "names on none of the profile's architectures", text: oci({ architectures: ["SCMP_ARCH_AARCH64"], syscalls: [allow(["exit", "exit_group", "rt_sigreturn", "open", "fork", "vm86", "arch_prctl"])] }) },
  { title: "schema errors everywhere, with suggestions", text: oci({ defaultAction: "SCMP_ACT_ERNO", defaultErrnoRet: 1.5, architectures: ["SCMP_ARCH_X86_46", 3], flags: ["SECCOMP_FILTER_FLAG_NOPE"], extra: 1, syscalls: [{ names: ["exit_grup", 42], action: "scmp_act_allow", errnoRet: -1, args: [{ index: 6, value: 2 ** 60, op: "SCMP_CMP_EQUAL", more: 1 }] }, { action: "SCMP_ACT_ALLOW" }, allow([])] }) },
  { title: "duplicate keys in JSON", text: '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "action": "SCMP_ACT_ERRNO"}],\n "defaultAction": "SCMP_ACT_LOG", "\\u0064efaultAction": "x"}' },
  { title: "a JSON syntax error", text: '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [}' },
  { title: "escaped quotes in JSON strings", text: '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["re\\"ad", "x\\\\"], "action": "SCMP_ACT_ALLOW"}], "a\\"b": 1}' },
  {
    title: "Docker fields: archMap, includes, excludes, errno names, old names",
    text: JSON.stringify({
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrno: "ENOSYS",
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] }, { architecture: "SCMP_ARCH_S390X", subArchitectures: ["SCMP_ARCH_S390"] }],
      syscalls: [
        { names: ["setns", "exit", "exit_group", "rt_sigreturn"], action: "SCMP_ACT_ALLOW", comment: "everyone" },
        { names: ["setns"], action: "SCMP_ACT_ERRNO", errno: "EPERM", excludes: { caps: ["CAP_SYS_ADMIN"] } },
        { name: "clone", action: "SCMP_ACT_ALLOW", includes: { arches: ["s390x"] } },
        { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "x32"], minKernel: "4.8" } },
        { names: ["open"], action: "SCMP_ACT_ALLOW", excludes: { arches: ["arm64"], caps: ["CAP_NONE"] } },
        { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
      ],
    }),
  },
  { title: "Docker's default profile with every capability on s390x", text: readCorpus("moby/default.json"), options: { capabilities: ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_BOOT", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_PACCT", "CAP_SYS_NICE", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON", "CAP_SYS_TTY_CONFIG", "CAP_SYS_RESOURCE"], nativeArchitectures: ["SCMP_ARCH_S390X"] } },
  {
    title: "bases: a chain, a merge that narrows the architectures, a cycle, a missing base, the catalogue",
    text: [
      "# YAML documents, each a manifest written in JSON",
      manifest("root", { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], flags: ["SECCOMP_FILTER_FLAG_LOG"], syscalls: [allow(["exit", "exit_group", "rt_sigreturn", "read", "write"]), { names: ["ptrace"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }, CATALOGUE),
      manifest("middle", { baseProfileName: "root", defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["write"], action: "SCMP_ACT_LOG" }, allow(["openat"])] }),
      manifest("leaf", { baseProfileName: "middle", defaultAction: "SCMP_ACT_LOG", description: "leaf", syscalls: [allow(["ptrace", "bpf"], { args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] })] }),
      manifest("narrowed", { baseProfileName: "root", defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38, syscalls: [allow(["vm86", "read"], { args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] })] }),
      manifest("cycle-a", { baseProfileName: "cycle-b", defaultAction: "SCMP_ACT_ERRNO" }),
      manifest("cycle-b", { baseProfileName: "cycle-a", defaultAction: "SCMP_ACT_ERRNO" }),
      manifest("orphan", { baseProfileName: "nowhere", defaultAction: "SCMP_ACT_ERRNO" }),
    ].join("\n---\n"),
  },
  { title: "a YAML List of manifests, one invalid", text: `kind: List\nitems:\n- ${manifest("a", { defaultAction: "SCMP_ACT_LOG" })}\n- ${manifest("b", { defaultAction: "SCMP_ACT_LOG", syscalls: [allow(["opnat"])] })}\n` },
];

/** Profiles of conditional rules made from a fixed seed: overlaps found and not, witnesses of every operator, masks, large values. */
function conditionalProfiles(count: number, seed: number): { title: string; text: string; options?: ConvertOptions }[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const ops = ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"];
  const actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRACE"];
  const values = [0, 1, 2, 3, 7, 8, 15, 16, 0x30, 0x101, 0xf0f, 255, 256, 4096, 65535, 2 ** 29, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 2, 2 ** 53 - 1];
  return Array.from({ length: count }, (_, n) => {
    const rules = Array.from({ length: 2 + Math.floor(next() * (n % 5 === 0 ? 24 : 8)) }, () => {
      const action = pick(actions);
      const rule: Record<string, unknown> = { names: [...new Set([pick(["read", "ioctl", "socket"]), pick(["ioctl", "clone", "personality"])])], action };
      if ((action === "SCMP_ACT_ERRNO" || action === "SCMP_ACT_TRACE") && next() < 0.5) rule.errnoRet = pick([1, 13, 22]);
      rule.args = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
        const op = pick(ops);
        return op === "SCMP_CMP_MASKED_EQ" ? { index: Math.floor(next() * 3), value: pick(values), valueTwo: next() < 0.4 ? 0 : pick(values), op } : { index: Math.floor(next() * 3), value: pick(values), op };
      });
      return rule;
    });
    return { title: `conditional rules, seed ${seed}, profile ${n}`, text: oci({ architectures: ["SCMP_ARCH_X86_64"], syscalls: [allow(["exit", "exit_group", "rt_sigreturn"]), ...rules] }) };
  });
}

/** Cluster objects, compiled as the agent and the controller do (compileObject: capped diagnostics). */
const OBJECTS: { namespace: string; name: string; spec: object }[] = [
  { namespace: CATALOGUE, name: "base", spec: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [allow(["exit", "exit_group", "rt_sigreturn"])] } },
  { namespace: "team", name: "hostile", spec: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [0, 1, 2, 3].map((k) => allow(unknownNames(1024, k * 1024))) } },
  { namespace: "team", name: "many-warnings", spec: { baseProfileName: "base", defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_AARCH64"], syscalls: [allow(["open", "fork", "vm86", "read"]), ...Array.from({ length: 300 }, (_, k) => allow(["read"], { args: [{ index: 0, value: k, op: "SCMP_CMP_EQ" }, { index: 0, value: k + 1, op: "SCMP_CMP_EQ" }] }))] } },
  { namespace: "team", name: "duplicates", spec: { defaultAction: "SCMP_ACT_ERRNO", syscalls: Array.from({ length: 300 }, (_, k) => allow(["read", "read", k % 2 === 0 ? "write" : "zz_nope"])) } },
  { namespace: "team", name: "invalid-base", spec: { baseProfileName: "hostile", defaultAction: "SCMP_ACT_ERRNO" } },
];

export interface CompileOutput {
  input: string;
  documents: unknown[];
}

/** What loadProfiles and compileProfile say about one text, with bases looked up among its documents. */
function outputOf(input: string, text: string, options?: ConvertOptions): CompileOutput {
  const loaded = loadProfiles(text, options);
  const entries: ProfileEntry[] = loaded.map((p) =>
    p.spec === undefined ? { namespace: p.namespace ?? "team", name: p.name ?? p.label, errors: p.diagnostics } : { namespace: p.namespace ?? "team", name: p.name ?? p.label, spec: p.spec },
  );
  const lookup = (namespace: string, name: string) => entries.find((e) => e.namespace === namespace && e.name === name);
  return {
    input,
    documents: loaded.map((p, i) => {
      const entry = entries[i]!;
      const compiled = entry.spec === undefined ? undefined : compileProfile({ ...entry, spec: entry.spec }, lookup, CATALOGUE);
      return { ...p, spec: p.spec === undefined ? undefined : "valid", compiled: compiled === undefined ? undefined : described(compiled) };
    }),
  };
}

function described(compiled: ReturnType<typeof compileProfile>): unknown {
  if (!compiled.ok) return { errors: compiled.error };
  const { rendered, chain, findings } = compiled.value;
  return { hash: rendered.hash, bytes: rendered.json.length, chain, findings };
}

/** The outputs for every input, in a fixed order. */
export function compileOutputs(): CompileOutput[] {
  const formats = readdirSync(FORMATS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(FORMATS, d.name)).map((f) => `${d.name}/${f}`))
    .sort();
  const objects = OBJECTS.map(
    (o) => ({ apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name: o.name, namespace: o.namespace }, spec: o.spec }) as unknown as SeccompProfile,
  );
  const find = (namespace: string, name: string) => objects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
  return [
    ...corpusProfiles().map((file) => outputOf(`corpus ${file}`, readCorpus(file))),
    ...formats.map((file) => outputOf(`formats ${file}`, readFileSync(join(FORMATS, file), "utf8"))),
    ...[...MADE, ...conditionalProfiles(40, 7)].map((made) => outputOf(made.title, made.text, made.options)),
    ...objects.map((object) => ({ input: `object ${object.metadata.namespace}/${object.metadata.name}`, documents: [described(compileObject(object, find, CATALOGUE))] })),
  ];
}
