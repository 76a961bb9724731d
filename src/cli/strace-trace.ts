import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { compatFamily, X32_SYSCALL_BIT } from "../profile/architectures.js";
import { syscallName } from "../profile/syscall-table.js";

/** Syscall counts per ABI, as recorded: architecture -> syscall name -> calls. */
export type RecordedSyscalls = Map<ArchitectureToken, Map<string, number>>;

// `1234 [  59] execve(...` or `1234 [  0] read(3, <unfinished ...>`; `<... read resumed>` continues a counted call.
const CALL = /^(?:(\d+) +)?\[ *(\d+)\] +([A-Za-z0-9_]+)\(/;
const PERSONALITY = /^(?:(\d+) +)?\[ Process PID=(\d+) runs in (64 bit|32 bit|x32) mode\. \]/;

/**
 * Reads the output of `strace -f -n` (every process and thread, with syscall numbers): which
 * syscalls ran on which ABI. A 64-bit kernel runs compat ABIs too (x86 and x32 beside x86_64),
 * with their own numbers; strace names a call from the table of the ABI it was made on, so the
 * number and name together tell the ABI. Names are libseccomp's for that number, which is what
 * a filter matches (strace's names differ for a few, such as x86's old_mmap).
 */
export function parseStraceOutput(text: string, native: ArchitectureToken): RecordedSyscalls {
  const family = compatFamily(native);
  const current = new Map<string, ArchitectureToken>();
  const out: RecordedSyscalls = new Map();
  for (const line of text.split("\n")) {
    const personality = PERSONALITY.exec(line);
    if (personality !== null) {
      current.set(personality[2]!, personalityArch(personality[3]!, family));
      continue;
    }
    const call = CALL.exec(line);
    if (call === null) continue;
    const pid = call[1] ?? "";
    const nr = Number(call[2]);
    const straceName = call[3]!;
    const arch = abiOf(nr, straceName, family, current.get(pid) ?? native);
    current.set(pid, arch);
    const name = syscallName(arch, arch === "SCMP_ARCH_X32" ? (nr | X32_SYSCALL_BIT) >>> 0 : nr) ?? straceName;
    const counts = out.get(arch) ?? new Map<string, number>();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    out.set(arch, counts);
  }
  return out;
}

function abiOf(nr: number, name: string, family: readonly ArchitectureToken[], last: ArchitectureToken): ArchitectureToken {
  if (family.includes("SCMP_ARCH_X32") && nr >= X32_SYSCALL_BIT) return "SCMP_ARCH_X32";
  const matching = family.filter((arch) => syscallName(arch, arch === "SCMP_ARCH_X32" ? (nr | X32_SYSCALL_BIT) >>> 0 : nr) === name);
  if (matching.length === 1) return matching[0]!;
  // Ambiguous, or a name libseccomp spells differently: the ABI the process last ran on.
  return matching.includes(last) || matching.length === 0 ? last : matching[0]!;
}

function personalityArch(mode: string, family: readonly ArchitectureToken[]): ArchitectureToken {
  if (mode === "x32" && family.includes("SCMP_ARCH_X32")) return "SCMP_ARCH_X32";
  if (mode === "32 bit" && family.length > 1) return family[1]!;
  return family[0]!;
}

// `= 7 /* 9806 in strace's PID NS */` with --decode-pids=pidns, or `= 9806`.
const CHILD = /^(\d+) +\[ *\d+\] +(?:<\.\.\. )?(?:clone3?|fork|vfork)\b.*= (\d+)(?: \/\* (\d+) in strace's PID NS \*\/)?$/;
const LINE_PID = /^(\d+) /;

/**
 * The lines of a `strace -f --decode-pids=pidns` trace of `runc run` that the container's
 * command made: from the command's execve (runc init's process becomes the command) on, and
 * every process and thread it started. runc's own calls, before that execve and in runc's other
 * processes, are left out. Children are known by the pids that clone returns, so a child's lines
 * count even when strace prints them before its parent's clone returns.
 */
export function containerCommandTrace(text: string, command0: string): string {
  const lines = text.split("\n");
  const argv0 = `[${JSON.stringify(command0)}`;
  const start = lines.findIndex((line) => /^\d+ +\[ *\d+\] +execve(?:at)?\(/.test(line) && line.includes(argv0));
  if (start === -1) return "";
  const root = LINE_PID.exec(lines[start]!)![1]!;
  const children = new Map<string, string[]>();
  for (const line of lines.slice(start)) {
    const match = CHILD.exec(line);
    if (match === null) continue;
    const list = children.get(match[1]!) ?? [];
    list.push(match[3] ?? match[2]!);
    children.set(match[1]!, list);
  }
  const app = new Set<string>([root]);
  for (const pid of app) for (const child of children.get(pid) ?? []) app.add(child);
  return lines
    .slice(start)
    .filter((line) => app.has(LINE_PID.exec(line)?.[1] ?? ""))
    .join("\n");
}
