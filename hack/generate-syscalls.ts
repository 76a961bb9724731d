/**
 * Generates src/profile/syscalls.generated.ts from libseccomp's syscalls.csv.
 *
 *   tsx hack/generate-syscalls.ts [path/to/syscalls.csv] [--out file] [--check]
 *
 * `--check` writes nothing and exits 1 when the committed module differs from a fresh one,
 * so CI can catch a table that was edited by hand or not regenerated.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_CSV_PATH = resolve(REPO_ROOT, "../shared/corpus/libseccomp/syscalls.csv");
export const DEFAULT_OUT_PATH = join(REPO_ROOT, "src/profile/syscalls.generated.ts");

/** Marks "no such syscall on this architecture" in the CSV. */
const PNR = "PNR";
/** Marks "not on this architecture" in the generated rows. */
const ABSENT = -1;
/** The kernel tells x32 calls from x86_64 ones by this bit in the syscall number. */
const X32_SYSCALL_BIT = 0x40000000;

/**
 * The CSV holds table indexes; libseccomp turns some into the numbers the kernel sees
 * (arch-x32.c ORs in the x32 bit, arch-mips*.c add the ABI's base). Filters and audit
 * records carry the kernel's numbers, so that is what we store. Every column must be
 * listed here: an unknown one fails generation rather than producing wrong numbers.
 */
const COLUMN_TRANSFORMS: Readonly<Record<string, (nr: number) => number>> = {
  x86: (nr) => nr,
  x86_64: (nr) => nr,
  x32: (nr) => (nr | X32_SYSCALL_BIT) >>> 0,
  arm: (nr) => nr,
  aarch64: (nr) => nr,
  loongarch64: (nr) => nr,
  m68k: (nr) => nr,
  mips: (nr) => nr + 4000, // o32
  mips64: (nr) => nr + 5000, // n64
  mips64n32: (nr) => nr + 6000, // n32
  parisc: (nr) => nr,
  parisc64: (nr) => nr,
  ppc: (nr) => nr,
  ppc64: (nr) => nr,
  riscv64: (nr) => nr,
  s390: (nr) => nr,
  s390x: (nr) => nr,
  sh: (nr) => nr,
};

const NAME_RE = /^[a-z0-9_]+$/;
const NUMBER_RE = /^(0|[1-9][0-9]*)$/;
const KVER_RE = /^SCMP_KV_[A-Z0-9_]+$/;
const VERSION_RE = /^#syscall \(([^()]*)\)$/;

export interface SyscallTable {
  /** Free-form version note from the CSV header, e.g. the kernel release it was built from. */
  version: string;
  columns: string[];
  /** Sorted by name; `numbers[i]` belongs to `columns[i]`, ABSENT where missing. */
  rows: { name: string; numbers: number[] }[];
}

/** Parses and checks the CSV; throws with a line number on anything unexpected. */
export function parseSyscallsCsv(csvText: string): SyscallTable {
  const lines = csvText.split(/\r?\n/).filter((line) => line.trim() !== "");
  const header = lines[0]?.split(",");
  if (header === undefined || header.length < 3 || (header.length - 1) % 2 !== 0) {
    throw new Error("syscalls.csv: header must be '#syscall (...)' followed by <arch>,<arch>_kver pairs");
  }
  const version = VERSION_RE.exec(header[0]!.trim())?.[1]?.trim();
  if (version === undefined) throw new Error(`syscalls.csv: unexpected first header cell ${JSON.stringify(header[0])}`);

  const columns: string[] = [];
  for (let i = 1; i < header.length; i += 2) {
    const arch = header[i]!.trim();
    if (header[i + 1]!.trim() !== `${arch}_kver`) {
      throw new Error(`syscalls.csv: column ${i + 2} should be ${arch}_kver, is ${header[i + 1]}`);
    }
    if (!Object.hasOwn(COLUMN_TRANSFORMS, arch)) {
      throw new Error(`syscalls.csv: unknown architecture column ${JSON.stringify(arch)}; add it to the generator`);
    }
    if (columns.includes(arch)) throw new Error(`syscalls.csv: duplicate column ${arch}`);
    columns.push(arch);
  }

  const rows: SyscallTable["rows"] = [];
  const seenNames = new Set<string>();
  const seenNumbers = columns.map(() => new Map<number, string>());
  lines.slice(1).forEach((line, index) => {
    const where = `syscalls.csv line ${index + 2}`;
    const cells = line.split(",").map((cell) => cell.trim());
    if (cells.length !== header.length) throw new Error(`${where}: ${cells.length} cells, header has ${header.length}`);
    const name = cells[0]!;
    if (!NAME_RE.test(name)) throw new Error(`${where}: bad syscall name ${JSON.stringify(name)}`);
    if (seenNames.has(name)) throw new Error(`${where}: duplicate syscall ${name}`);
    seenNames.add(name);
    const numbers = columns.map((arch, c) => {
      const raw = cells[1 + 2 * c]!;
      const kver = cells[2 + 2 * c]!;
      if (!KVER_RE.test(kver)) throw new Error(`${where}: bad ${arch}_kver ${JSON.stringify(kver)}`);
      if (raw === PNR) return ABSENT;
      if (!NUMBER_RE.test(raw)) throw new Error(`${where}: bad ${arch} number ${JSON.stringify(raw)}`);
      const nr = COLUMN_TRANSFORMS[arch]!(Number(raw));
      // Two names on one number would make number -> name lookups ambiguous.
      const other = seenNumbers[c]!.get(nr);
      if (other !== undefined) throw new Error(`${where}: ${name} and ${other} share ${arch} number ${nr}`);
      seenNumbers[c]!.set(nr, name);
      return nr;
    });
    rows.push({ name, numbers });
  });
  if (rows.length === 0) throw new Error("syscalls.csv: no syscalls");
  // Code-unit order, not locale order, so the output is the same on every machine.
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version, columns, rows };
}

function formatNumber(nr: number): string {
  // Hex shows the x32 bit and ARM's private 0x0f0000 range for what they are.
  return nr >= 0x10000 ? `0x${nr.toString(16)}` : String(nr);
}

/** Renders the TypeScript module. Pure: the same CSV text always gives the same bytes. */
export function generateSyscallModule(csvText: string): string {
  const table = parseSyscallsCsv(csvText);
  const out: string[] = [];
  out.push(
    "// Code generated by hack/generate-syscalls.ts. DO NOT EDIT.",
    `// Source: libseccomp src/syscalls.csv (${table.version}).`,
    "// The data is libseccomp's, licensed under LGPL-2.1.",
    "//",
    "// Numbers are what the kernel sees in seccomp_data.nr and in audit records, not",
    "// libseccomp's table indexes: x32 numbers carry the x32 syscall bit (0x40000000) and",
    "// MIPS numbers include the ABI base (o32 4000, n64 5000, n32 6000).",
    "// Little- and big-endian variants share a column (ppc64le: ppc64; mipsel*: mips*; sheb: sh).",
    "",
    `export const SYSCALL_TABLE_VERSION = ${JSON.stringify(table.version)};`,
    "",
    "/** Column order of SYSCALL_ROWS. */",
    "export const SYSCALL_TABLE_COLUMNS = [",
    ...table.columns.map((c) => `  ${JSON.stringify(c)},`),
    "] as const;",
    "",
    "/** One row per syscall, sorted by name: [name, numbers in column order, -1 = absent]. */",
    "export const SYSCALL_ROWS: readonly (readonly [string, readonly number[]])[] = [",
    ...table.rows.map((row) => `  [${JSON.stringify(row.name)}, [${row.numbers.map(formatNumber).join(", ")}]],`),
    "];",
    "",
  );
  return out.join("\n");
}

/** Reads `csvPath` and writes the module to `outPath`; returns the generated text. */
export function writeSyscallModule(csvPath: string, outPath: string): string {
  const text = generateSyscallModule(readFileSync(csvPath, "utf8"));
  writeFileSync(outPath, text);
  return text;
}

function main(argv: string[]): number {
  let csvPath = DEFAULT_CSV_PATH;
  let outPath = DEFAULT_OUT_PATH;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--check") check = true;
    else if (arg === "--out") {
      const value = argv[++i];
      if (value === undefined) throw new Error("--out needs a path");
      outPath = resolve(value);
    } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else csvPath = resolve(arg);
  }
  const shown = relative(process.cwd(), outPath);
  if (check) {
    const fresh = generateSyscallModule(readFileSync(csvPath, "utf8"));
    let current = "";
    try {
      current = readFileSync(outPath, "utf8");
    } catch {
      // A missing file is just stale.
    }
    if (current !== fresh) {
      console.error(`${shown} is stale; run npm run generate:syscalls`);
      return 1;
    }
    console.log(`${shown} is up to date`);
    return 0;
  }
  const text = writeSyscallModule(csvPath, outPath);
  console.log(`wrote ${shown} (${Buffer.byteLength(text)} bytes)`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
