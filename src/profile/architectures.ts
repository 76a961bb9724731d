/**
 * Seccomp architectures (the tokens are in api/seccomp-vocabulary.ts): the AUDIT_ARCH value the kernel puts in seccomp_data.arch and in audit records, and the
 * syscall table each one uses.
 */
import { ARCHITECTURE_TOKENS, isArchitectureToken, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import type { SYSCALL_TABLE_COLUMNS } from "./syscalls.generated.js";

/** A column of the generated syscall table. */
export type SyscallTableColumn = (typeof SYSCALL_TABLE_COLUMNS)[number];

/** The kernel tells x32 calls from x86_64 ones, which share an AUDIT_ARCH, by this bit. */
export const X32_SYSCALL_BIT = 0x40000000;

export interface ArchitectureInfo {
  readonly token: ArchitectureToken;
  /** AUDIT_ARCH_* from linux/audit.h: seccomp_data.arch and `arch=` in audit records. */
  readonly auditArch: number;
  /** Syscall table column; endian variants share one. */
  readonly table: SyscallTableColumn;
  /** ABI word size as libseccomp sees it (x32 and MIPS n32 are 32-bit ABIs). */
  readonly bits: 32 | 64;
  readonly endian: "little" | "big";
  /** libseccomp's native name, as Docker profiles write it in `includes.arches`. */
  readonly nativeName: string;
  /** Whether runc accepts the token; runc fails the container on any other. crun takes all. */
  readonly runc: boolean;
}

// Bits of AUDIT_ARCH_* (linux/audit.h) on top of the ELF machine number.
const AUDIT_64BIT = 0x80000000;
const AUDIT_LE = 0x40000000;
const AUDIT_MIPS64_N32 = 0x20000000;

function arch(
  token: ArchitectureToken,
  elfMachine: number,
  flags: number,
  table: SyscallTableColumn,
  bits: 32 | 64,
  nativeName: string,
  runc = true,
): ArchitectureInfo {
  // `>>> 0` keeps the value unsigned: JS bit operations produce signed 32-bit results.
  const auditArch = (elfMachine | flags) >>> 0;
  const endian = flags & AUDIT_LE ? "little" : "big";
  return Object.freeze({ token, auditArch, table, bits, endian, nativeName, runc });
}

export const ARCHITECTURES: Readonly<Record<ArchitectureToken, ArchitectureInfo>> = Object.freeze({
  SCMP_ARCH_X86: arch("SCMP_ARCH_X86", 3, AUDIT_LE, "x86", 32, "x86"),
  SCMP_ARCH_X86_64: arch("SCMP_ARCH_X86_64", 62, AUDIT_64BIT | AUDIT_LE, "x86_64", 64, "amd64"),
  // Not a typo: the kernel reports x32 as AUDIT_ARCH_X86_64 and sets X32_SYSCALL_BIT in nr.
  SCMP_ARCH_X32: arch("SCMP_ARCH_X32", 62, AUDIT_64BIT | AUDIT_LE, "x32", 32, "x32"),
  SCMP_ARCH_ARM: arch("SCMP_ARCH_ARM", 40, AUDIT_LE, "arm", 32, "arm"),
  SCMP_ARCH_AARCH64: arch("SCMP_ARCH_AARCH64", 183, AUDIT_64BIT | AUDIT_LE, "aarch64", 64, "arm64"),
  SCMP_ARCH_MIPS: arch("SCMP_ARCH_MIPS", 8, 0, "mips", 32, "mips"),
  SCMP_ARCH_MIPS64: arch("SCMP_ARCH_MIPS64", 8, AUDIT_64BIT, "mips64", 64, "mips64"),
  SCMP_ARCH_MIPS64N32: arch("SCMP_ARCH_MIPS64N32", 8, AUDIT_64BIT | AUDIT_MIPS64_N32, "mips64n32", 32, "mips64n32"),
  SCMP_ARCH_MIPSEL: arch("SCMP_ARCH_MIPSEL", 8, AUDIT_LE, "mips", 32, "mipsel"),
  SCMP_ARCH_MIPSEL64: arch("SCMP_ARCH_MIPSEL64", 8, AUDIT_64BIT | AUDIT_LE, "mips64", 64, "mipsel64"),
  SCMP_ARCH_MIPSEL64N32: arch(
    "SCMP_ARCH_MIPSEL64N32",
    8,
    AUDIT_64BIT | AUDIT_LE | AUDIT_MIPS64_N32,
    "mips64n32",
    32,
    "mipsel64n32",
  ),
  SCMP_ARCH_PPC: arch("SCMP_ARCH_PPC", 20, 0, "ppc", 32, "ppc"),
  SCMP_ARCH_PPC64: arch("SCMP_ARCH_PPC64", 21, AUDIT_64BIT, "ppc64", 64, "ppc64"),
  SCMP_ARCH_PPC64LE: arch("SCMP_ARCH_PPC64LE", 21, AUDIT_64BIT | AUDIT_LE, "ppc64", 64, "ppc64le"),
  SCMP_ARCH_S390: arch("SCMP_ARCH_S390", 22, 0, "s390", 32, "s390"),
  SCMP_ARCH_S390X: arch("SCMP_ARCH_S390X", 22, AUDIT_64BIT, "s390x", 64, "s390x"),
  SCMP_ARCH_PARISC: arch("SCMP_ARCH_PARISC", 15, 0, "parisc", 32, "parisc", false),
  SCMP_ARCH_PARISC64: arch("SCMP_ARCH_PARISC64", 15, AUDIT_64BIT, "parisc64", 64, "parisc64", false),
  SCMP_ARCH_RISCV64: arch("SCMP_ARCH_RISCV64", 243, AUDIT_64BIT | AUDIT_LE, "riscv64", 64, "riscv64"),
  SCMP_ARCH_LOONGARCH64: arch("SCMP_ARCH_LOONGARCH64", 258, AUDIT_64BIT | AUDIT_LE, "loongarch64", 64, "loong64"),
  SCMP_ARCH_M68K: arch("SCMP_ARCH_M68K", 4, 0, "m68k", 32, "m68k", false),
  // libseccomp's SH is little-endian (AUDIT_ARCH_SHEL); SHEB is AUDIT_ARCH_SH.
  SCMP_ARCH_SH: arch("SCMP_ARCH_SH", 42, AUDIT_LE, "sh", 32, "sh", false),
  SCMP_ARCH_SHEB: arch("SCMP_ARCH_SHEB", 42, 0, "sh", 32, "sheb", false),
});

export function auditArchOf(token: ArchitectureToken): number {
  return ARCHITECTURES[token].auditArch;
}

/** Column of the syscall table that holds `token`'s numbers. */
let byAuditArch: Map<number, ArchitectureToken> | undefined;

/**
 * The architecture of an audit record or seccomp_data: `auditArch` is its `arch=` value.
 * AUDIT_ARCH_X86_64 is x32 when the syscall number carries X32_SYSCALL_BIT; without a
 * number it is taken as x86_64.
 */
export function architectureByAuditArch(auditArch: number, syscallNr?: number): ArchitectureToken | undefined {
  if (byAuditArch === undefined) {
    byAuditArch = new Map();
    for (const token of ARCHITECTURE_TOKENS) {
      // First wins, so the shared x86_64 value maps to SCMP_ARCH_X86_64.
      if (!byAuditArch.has(ARCHITECTURES[token].auditArch)) byAuditArch.set(ARCHITECTURES[token].auditArch, token);
    }
  }
  const token = byAuditArch.get(auditArch >>> 0);
  if (token === "SCMP_ARCH_X86_64" && syscallNr !== undefined && syscallNr >= 0 && (syscallNr & X32_SYSCALL_BIT) !== 0) {
    return "SCMP_ARCH_X32";
  }
  return token;
}

/**
 * The compat ABIs a 64-bit kernel also runs, as in Docker's default `archMap`. A filter
 * that lists only the native token kills every compat call, so profiles list the family.
 */
export const COMPAT_ARCHITECTURES: Readonly<Partial<Record<ArchitectureToken, readonly ArchitectureToken[]>>> =
  Object.freeze({
    SCMP_ARCH_X86_64: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    SCMP_ARCH_AARCH64: ["SCMP_ARCH_ARM"],
    SCMP_ARCH_MIPS64: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"],
    SCMP_ARCH_MIPS64N32: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"],
    SCMP_ARCH_MIPSEL64: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"],
    SCMP_ARCH_MIPSEL64N32: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"],
    SCMP_ARCH_PPC64LE: [],
    SCMP_ARCH_S390X: ["SCMP_ARCH_S390"],
    SCMP_ARCH_RISCV64: [],
    SCMP_ARCH_LOONGARCH64: [],
  });

/** `native` followed by its compat ABIs (just `native` when it has none). */
export function compatFamily(native: ArchitectureToken): ArchitectureToken[] {
  return [native, ...(COMPAT_ARCHITECTURES[native] ?? [])];
}

/**
 * What the renderer uses when a profile names no architectures: the 64-bit natives of
 * common nodes plus their compat ABIs, as Docker picks per host from its archMap. Without
 * an explicit list the filter would cover only the runtime's native ABI.
 */
export const DEFAULT_ARCHITECTURES: readonly ArchitectureToken[] = Object.freeze([
  "SCMP_ARCH_X86_64",
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X32",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_ARM",
] as const);

/**
 * Architecture names found in Docker profiles' `includes.arches`/`excludes.arches`, which
 * Docker compares with the host's libseccomp native name. Besides those names this accepts
 * GOARCH spellings and the misspelling `mips3l64n32` that moby's own table uses.
 */
const NATIVE_NAMES: ReadonlyMap<string, ArchitectureToken> = new Map([
  ...ARCHITECTURE_TOKENS.map((token) => [ARCHITECTURES[token].nativeName, token] as const),
  ["386", "SCMP_ARCH_X86"],
  ["x86_64", "SCMP_ARCH_X86_64"],
  ["aarch64", "SCMP_ARCH_AARCH64"],
  ["mipsle", "SCMP_ARCH_MIPSEL"],
  ["mips64le", "SCMP_ARCH_MIPSEL64"],
  ["mips64p32", "SCMP_ARCH_MIPS64N32"],
  ["mips64p32le", "SCMP_ARCH_MIPSEL64N32"],
  ["mips3l64n32", "SCMP_ARCH_MIPSEL64N32"],
  ["loongarch64", "SCMP_ARCH_LOONGARCH64"],
]);

/**
 * Resolves an architecture as Docker profiles write it: a `SCMP_ARCH_*` token (archMap,
 * `architectures`) or a native/Go name such as `amd64` or `arm64` (includes/excludes).
 * Matching is exact, as in Docker.
 */
export function dockerArchToken(name: string): ArchitectureToken | undefined {
  if (isArchitectureToken(name)) return name;
  return NATIVE_NAMES.get(name);
}

export interface DockerArchMapEntry {
  readonly architecture: string;
  readonly subArchitectures?: readonly string[] | null;
}

export interface ArchMapResolution {
  /** Tokens in first-seen order, without duplicates. */
  readonly architectures: ArchitectureToken[];
  /** Names that are no known architecture, in input order. */
  readonly unknown: string[];
}

/**
 * Flattens a Docker `archMap` into an explicit `architectures` list (containerd drops
 * `archMap`). With `native`, only that host's entry counts, as Docker does at run time;
 * without, every entry does, so one file serves nodes of any listed architecture.
 */
export function resolveArchMap(archMap: readonly DockerArchMapEntry[], native?: ArchitectureToken): ArchMapResolution {
  const architectures: ArchitectureToken[] = [];
  const unknown: string[] = [];
  for (const entry of archMap) {
    const main = dockerArchToken(entry.architecture);
    if (native !== undefined && main !== native) continue;
    for (const name of [entry.architecture, ...(entry.subArchitectures ?? [])]) {
      const token = dockerArchToken(name);
      if (token === undefined) {
        if (!unknown.includes(name)) unknown.push(name);
      } else if (!architectures.includes(token)) {
        architectures.push(token);
      }
    }
    // Docker uses the first matching entry only.
    if (native !== undefined) break;
  }
  return { architectures, unknown };
}
