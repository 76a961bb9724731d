/**
 * Syscall name <-> number lookups per architecture, over the table generated from
 * libseccomp's syscalls.csv. Numbers are the kernel's (x32 with its bit, MIPS with the
 * ABI base), so they compare directly with seccomp_data.nr and audit `syscall=` values.
 */
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../api/seccomp-vocabulary.js";
import { ARCHITECTURES } from "./architectures.js";
import { SYSCALL_ROWS, SYSCALL_TABLE_COLUMNS, SYSCALL_TABLE_VERSION } from "./syscalls.generated.js";

export { SYSCALL_TABLE_VERSION };

const ABSENT = -1;

interface ColumnIndex {
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

// Built on first use: most processes look up one or two architectures only.
const columnIndexes = new Map<string, ColumnIndex>();
let names: readonly string[] | undefined;
let nameSet: ReadonlySet<string> | undefined;

function columnIndex(token: ArchitectureToken): ColumnIndex {
  const column = ARCHITECTURES[token].table;
  let index = columnIndexes.get(column);
  if (index === undefined) {
    const c = SYSCALL_TABLE_COLUMNS.indexOf(column);
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const [name, numbers] of SYSCALL_ROWS) {
      const nr = numbers[c] ?? ABSENT;
      if (nr === ABSENT) continue;
      byName.set(name, nr);
      byNumber.set(nr, name);
    }
    index = { byName, byNumber };
    columnIndexes.set(column, index);
  }
  return index;
}

function knownNames(): ReadonlySet<string> {
  nameSet ??= new Set(allSyscallNames());
  return nameSet;
}

/** The kernel's number for `name` on `arch`, or undefined when the syscall does not exist there. */
export function syscallNumber(arch: ArchitectureToken, name: string): number | undefined {
  return columnIndex(arch).byName.get(name);
}

/** The syscall with number `nr` on `arch` (x32 numbers include the x32 bit). */
export function syscallName(arch: ArchitectureToken, nr: number): string | undefined {
  return columnIndex(arch).byNumber.get(nr);
}

/** Whether `name` is a syscall on at least one architecture. */
export function isKnownSyscall(name: string): boolean {
  return knownNames().has(name);
}

/** The architectures that have `name`, in ARCHITECTURE_TOKENS order. */
export function architecturesOf(name: string): ArchitectureToken[] {
  if (!isKnownSyscall(name)) return [];
  return ARCHITECTURE_TOKENS.filter((token) => columnIndex(token).byName.has(name));
}

/** Those of `arches` that lack `name`, in the given order. */
export function missingOn(name: string, arches: readonly ArchitectureToken[]): ArchitectureToken[] {
  return arches.filter((token) => !columnIndex(token).byName.has(name));
}

/** Every known syscall name, sorted. */
export function allSyscallNames(): readonly string[] {
  names ??= Object.freeze(SYSCALL_ROWS.map(([name]) => name));
  return names;
}

/** Syscall names on `arch`, sorted. */
export function syscallNamesOn(arch: ArchitectureToken): string[] {
  const { byName } = columnIndex(arch);
  return allSyscallNames().filter((name) => byName.has(name));
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), giving up
 * once it must exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1);
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

const MAX_SUGGESTIONS = 3;

/**
 * "Did you mean": up to three known names closest to `name`, sorted by distance, then name.
 * A name qualifies within about a third of its length in edits (at least 1, at most 3).
 * With `arches`, names that exist on at least one of them are preferred over names that
 * exist on none. Case is ignored, so `OPENAT` suggests `openat`; a known name gets none.
 * Meant for error paths: it scans the whole table.
 */
export function suggestSyscall(name: string, arches?: readonly ArchitectureToken[]): string[] {
  const wanted = name.trim().toLowerCase();
  if (wanted === "" || isKnownSyscall(name)) return [];
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  const candidates: { name: string; distance: number }[] = [];
  for (const known of allSyscallNames()) {
    const distance = editDistance(wanted, known, limit);
    if (distance <= limit) candidates.push({ name: known, distance });
  }
  let pool = candidates;
  if (arches !== undefined && arches.length > 0) {
    const onArches = candidates.filter((c) => arches.some((token) => columnIndex(token).byName.has(c.name)));
    if (onArches.length > 0) pool = onArches;
  }
  pool.sort((x, y) => x.distance - y.distance || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return pool.slice(0, MAX_SUGGESTIONS).map((c) => c.name);
}

// Each known name's position in allSyscallNames() and, per position, the architectures that have
// it as a bit set: the paths that visit every name of a profile do one map lookup per name and
// index arrays after that.
let positions: ReadonlyMap<string, number> | undefined;
let positionMasks: Int32Array | undefined;

function positionIndex(): ReadonlyMap<string, number> {
  if (positions === undefined) {
    const all = allSyscallNames();
    const masks = new Int32Array(all.length);
    ARCHITECTURE_TOKENS.forEach((token, bit) => {
      const { byName } = columnIndex(token);
      all.forEach((name, i) => {
        if (byName.has(name)) masks[i]! |= 1 << bit;
      });
    });
    positionMasks = masks;
    positions = new Map(all.map((name, i) => [name, i]));
  }
  return positions;
}

/** How many names the table knows: positions are 0 to this, exclusive. */
export function syscallCount(): number {
  return allSyscallNames().length;
}

/** `name`'s position in allSyscallNames(), or -1 for an unknown name. Positions sort as the names do. */
export function syscallPosition(name: string): number {
  return positionIndex().get(name) ?? -1;
}

/** The architectures of the name at `position` (see syscallPosition), as a bit set (see architectureMask). */
export function maskAt(position: number): number {
  positionIndex();
  return positionMasks![position]!;
}

/** A bit set of architectures, for `syscallMask` comparisons. */
export function architectureMask(arches: readonly ArchitectureToken[]): number {
  let mask = 0;
  for (const token of arches) mask |= 1 << ARCHITECTURE_TOKENS.indexOf(token);
  return mask;
}

/** The architectures `name` exists on, as a bit set (see architectureMask); 0 for an unknown name. */
export function syscallMask(name: string): number {
  const position = syscallPosition(name);
  return position < 0 ? 0 : maskAt(position);
}
