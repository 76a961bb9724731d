import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  generateSyscallModule,
  parseSyscallsCsv,
  writeSyscallModule,
} from "../../hack/generate-syscalls.js";
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../../src/api/seccomp-vocabulary.js";
import { ARCHITECTURES } from "../../src/profile/architectures.js";
import {
  allSyscallNames,
  architecturesOf,
  editDistance,
  isKnownSyscall,
  missingOn,
  suggestSyscall,
  syscallName,
  syscallNamesOn,
  syscallNumber,
} from "../../src/profile/syscall-table.js";
import { SYSCALL_ROWS } from "../../src/profile/syscalls.generated.js";

const repoPath = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const GENERATED = repoPath("src/profile/syscalls.generated.ts");
const FIXTURE_CSV = repoPath("test/fixtures/corpus/libseccomp/syscalls.csv");
const SHARED_CSV = repoPath("../shared/corpus/libseccomp/syscalls.csv");
const X32_BIT = 0x40000000;

describe("syscall table", () => {
  it("has the numbers the kernel uses", () => {
    const cases: [ArchitectureToken, string, number][] = [
      ["SCMP_ARCH_X86_64", "read", 0],
      ["SCMP_ARCH_X86_64", "write", 1],
      ["SCMP_ARCH_X86_64", "execve", 59],
      ["SCMP_ARCH_X86_64", "exit_group", 231],
      ["SCMP_ARCH_X86", "execve", 11],
      ["SCMP_ARCH_X86", "socketcall", 102],
      ["SCMP_ARCH_X32", "read", 0x40000000],
      ["SCMP_ARCH_X32", "execve", 0x40000000 | 520],
      ["SCMP_ARCH_AARCH64", "openat", 56],
      ["SCMP_ARCH_AARCH64", "execve", 221],
      ["SCMP_ARCH_ARM", "execve", 11],
      ["SCMP_ARCH_RISCV64", "openat", 56],
      ["SCMP_ARCH_RISCV64", "exit_group", 94],
      ["SCMP_ARCH_PPC64LE", "execve", 11],
      ["SCMP_ARCH_PPC64LE", "openat", 286],
      ["SCMP_ARCH_S390X", "execve", 11],
      ["SCMP_ARCH_S390X", "openat", 288],
      ["SCMP_ARCH_MIPS", "read", 4003],
      ["SCMP_ARCH_MIPSEL64", "read", 5000],
      ["SCMP_ARCH_MIPS64N32", "read", 6000],
    ];
    for (const [arch, name, nr] of cases) {
      assert.equal(syscallNumber(arch, name), nr, `${arch} ${name}`);
      assert.equal(syscallName(arch, nr), name, `${arch} ${nr}`);
    }
  });

  it("knows which syscalls an architecture lacks", () => {
    assert.equal(syscallNumber("SCMP_ARCH_AARCH64", "open"), undefined);
    assert.equal(syscallNumber("SCMP_ARCH_RISCV64", "open"), undefined);
    // x86_64 does not multiplex sockets; 32-bit x86 has socketcall.
    assert.equal(syscallNumber("SCMP_ARCH_X86_64", "socketcall"), undefined);
    assert.ok(architecturesOf("socketcall").includes("SCMP_ARCH_X86"));
    assert.ok(!architecturesOf("socketcall").some((a) => ARCHITECTURES[a].table.startsWith("x86_")));
    assert.equal(syscallNumber("SCMP_ARCH_X86_64", "no_such_syscall"), undefined);
    assert.equal(syscallName("SCMP_ARCH_X86_64", 100000), undefined);
    // Without the x32 bit a number is not an x32 syscall.
    assert.equal(syscallName("SCMP_ARCH_X32", 0), undefined);
  });

  it("round-trips name -> number -> name for every syscall on every architecture", () => {
    for (const arch of ARCHITECTURE_TOKENS) {
      const names = syscallNamesOn(arch);
      assert.ok(names.length > 250, `${arch} has ${names.length} syscalls`);
      const numbers = new Set<number>();
      for (const name of names) {
        const nr = syscallNumber(arch, name)!;
        assert.ok(Number.isInteger(nr) && nr >= 0, `${arch} ${name} ${nr}`);
        assert.equal(syscallName(arch, nr), name, `${arch} ${name}`);
        numbers.add(nr);
      }
      // No two names share a number: the CSV has no aliases.
      assert.equal(numbers.size, names.length, arch);
    }
  });

  it("stores x32 and MIPS numbers as the kernel sees them", () => {
    const ranges: [ArchitectureToken, number, number][] = [
      ["SCMP_ARCH_MIPS", 4000, 5000],
      ["SCMP_ARCH_MIPS64", 5000, 6000],
      ["SCMP_ARCH_MIPS64N32", 6000, 7000],
      ["SCMP_ARCH_X32", X32_BIT, X32_BIT + 0x1000],
    ];
    for (const [arch, low, high] of ranges) {
      for (const name of syscallNamesOn(arch)) {
        const nr = syscallNumber(arch, name)!;
        assert.ok(nr >= low && nr < high, `${arch} ${name} ${nr}`);
      }
    }
    // Below 512, x32 reuses x86_64's numbers; its own ABI variants live at 512 and up.
    for (const name of syscallNamesOn("SCMP_ARCH_X32")) {
      const base = syscallNumber("SCMP_ARCH_X32", name)! & ~X32_BIT;
      if (base < 512) assert.equal(syscallNumber("SCMP_ARCH_X86_64", name), base, name);
    }
  });

  it("shares numbers between endian variants", () => {
    const pairs: [ArchitectureToken, ArchitectureToken][] = [
      ["SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE"],
      ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPSEL"],
      ["SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPSEL64"],
      ["SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL64N32"],
      ["SCMP_ARCH_SH", "SCMP_ARCH_SHEB"],
    ];
    for (const [a, b] of pairs) {
      assert.deepEqual(syscallNamesOn(a), syscallNamesOn(b));
      for (const name of syscallNamesOn(a)) assert.equal(syscallNumber(a, name), syscallNumber(b, name));
    }
  });

  it("answers name questions across architectures", () => {
    assert.ok(isKnownSyscall("openat"));
    assert.ok(isKnownSyscall("socketcall"));
    assert.ok(!isKnownSyscall("opnat"));
    assert.ok(!isKnownSyscall("OPENAT"));
    assert.ok(!isKnownSyscall(""));
    assert.deepEqual(architecturesOf("nonexistent"), []);
    assert.deepEqual(architecturesOf("read"), [...ARCHITECTURE_TOKENS]);
    assert.deepEqual(missingOn("open", ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_RISCV64"]), [
      "SCMP_ARCH_AARCH64",
      "SCMP_ARCH_RISCV64",
    ]);
    assert.deepEqual(missingOn("openat", ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]), []);
    for (const name of allSyscallNames()) assert.ok(architecturesOf(name).length > 0, name);
  });

  it("lists every name once, sorted", () => {
    const names = allSyscallNames();
    assert.equal(names.length, SYSCALL_ROWS.length);
    assert.deepEqual([...names], [...new Set(names)].sort());
  });

  describe("suggestSyscall", () => {
    it("finds typos", () => {
      assert.equal(suggestSyscall("exit_grup")[0], "exit_group");
      assert.equal(suggestSyscall("opnat")[0], "openat");
      assert.equal(suggestSyscall("getdents65")[0], "getdents64");
      assert.equal(suggestSyscall("EXIT_GROUP")[0], "exit_group");
      // Adjacent transposition counts as one edit.
      assert.equal(suggestSyscall("wirte")[0], "write");
    });

    it("returns at most three, by distance then name", () => {
      const got = suggestSyscall("getdents65");
      assert.ok(got.length >= 1 && got.length <= 3);
      const d = got.map((name) => editDistance("getdents65", name));
      assert.deepEqual(d, [...d].sort((a, b) => a - b));
      for (let i = 1; i < got.length; i++) {
        if (d[i] === d[i - 1]) assert.ok(got[i - 1]! < got[i]!);
      }
    });

    it("prefers names that exist on the given architectures", () => {
      assert.deepEqual(suggestSyscall("opena"), ["open", "openat"]);
      // aarch64 has no `open`, so only `openat` helps there.
      assert.deepEqual(suggestSyscall("opena", ["SCMP_ARCH_AARCH64"]), ["openat"]);
      for (const name of suggestSyscall("epoll_wat", ["SCMP_ARCH_AARCH64"])) {
        assert.notEqual(syscallNumber("SCMP_ARCH_AARCH64", name), undefined, name);
      }
      // Falls back to any architecture when none of the given ones has a close name.
      assert.deepEqual(suggestSyscall("opne", ["SCMP_ARCH_AARCH64"]), ["open"]);
    });

    it("gives nothing for far-off or empty input", () => {
      assert.deepEqual(suggestSyscall("completely_unrelated_words"), []);
      assert.deepEqual(suggestSyscall(""), []);
      assert.deepEqual(suggestSyscall("read"), []);
    });
  });

  describe("editDistance", () => {
    it("counts insertions, deletions, substitutions and transpositions", () => {
      assert.equal(editDistance("", ""), 0);
      assert.equal(editDistance("abc", ""), 3);
      assert.equal(editDistance("kitten", "sitting"), 3);
      assert.equal(editDistance("ab", "ba"), 1);
      assert.equal(editDistance("read", "read"), 0);
    });

    it("stops early past the limit", () => {
      assert.equal(editDistance("kitten", "sitting", 1), 2);
      assert.equal(editDistance("a", "abcdef", 2), 3);
    });
  });
});

describe("generate-syscalls", () => {
  const csv = readFileSync(FIXTURE_CSV, "utf8");

  it("is deterministic", () => {
    const dir = mkdtempSync(join(tmpdir(), "syscalls-"));
    try {
      const a = join(dir, "a.ts");
      const b = join(dir, "b.ts");
      writeSyscallModule(FIXTURE_CSV, a);
      writeSyscallModule(FIXTURE_CSV, b);
      assert.ok(readFileSync(a).equals(readFileSync(b)));
      assert.equal(readFileSync(a, "utf8"), generateSyscallModule(csv));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not depend on row order", () => {
    const [header, ...rows] = csv.trimEnd().split("\n");
    const shuffled = [header, ...rows.reverse()].join("\n") + "\n";
    assert.equal(generateSyscallModule(shuffled), generateSyscallModule(csv));
  });

  for (const [label, path] of [
    ["the test fixture", FIXTURE_CSV],
    ["the shared corpus", SHARED_CSV],
  ] as const) {
    it(`matches the committed module when regenerated from ${label}`, function () {
      if (!existsSync(path)) this.skip();
      assert.ok(
        readFileSync(GENERATED, "utf8") === generateSyscallModule(readFileSync(path, "utf8")),
        "src/profile/syscalls.generated.ts is stale: run npm run generate:syscalls",
      );
    });
  }

  it("matches the CSV cell by cell", () => {
    const table = parseSyscallsCsv(csv);
    const lines = csv.trimEnd().split("\n").slice(1);
    assert.equal(table.rows.length, lines.length);
    const byName = new Map(table.rows.map((row) => [row.name, row.numbers]));
    for (const line of lines) {
      const cells = line.split(",");
      const numbers = byName.get(cells[0]!)!;
      table.columns.forEach((column, c) => {
        const raw = cells[1 + 2 * c]!;
        if (raw === "PNR") return assert.equal(numbers[c], -1);
        const base = { x32: 0, mips: 4000, mips64: 5000, mips64n32: 6000 }[column as string] ?? 0;
        const bit = column === "x32" ? X32_BIT : 0;
        assert.equal(numbers[c], (Number(raw) + base) | bit, `${cells[0]} ${column}`);
      });
    }
  });

  it("rejects input it cannot translate faithfully", () => {
    const header = "#syscall (test),x86,x86_kver,x86_64,x86_64_kver";
    const ok = `${header}\nread,3,SCMP_KV_UNDEF,0,SCMP_KV_UNDEF\n`;
    assert.doesNotThrow(() => generateSyscallModule(ok));
    const bad: [string, RegExp][] = [
      ["#syscall (test),vax,vax_kver\nread,3,SCMP_KV_UNDEF\n", /unknown architecture column "vax"/],
      [`${header}\nread,3,SCMP_KV_UNDEF,0,SCMP_KV_UNDEF\nwrite,3,SCMP_KV_UNDEF,1,SCMP_KV_UNDEF\n`, /share x86 number 3/],
      [`${header}\nread,3,SCMP_KV_UNDEF,0,SCMP_KV_UNDEF\nread,4,SCMP_KV_UNDEF,1,SCMP_KV_UNDEF\n`, /duplicate syscall read/],
      [`${header}\nread,-3,SCMP_KV_UNDEF,0,SCMP_KV_UNDEF\n`, /bad x86 number/],
      [`${header}\nread,3,SCMP_KV_UNDEF\n`, /3 cells/],
      [`syscall,x86,x86_kver\nread,3,SCMP_KV_UNDEF\n`, /first header cell/],
      [`${header}\n`, /no syscalls/],
    ];
    for (const [text, error] of bad) assert.throws(() => generateSyscallModule(text), error);
  });
});
