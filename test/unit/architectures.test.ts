import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { ARCHITECTURE_TOKENS, isArchitectureToken, type ArchitectureToken } from "../../src/api/seccomp-vocabulary.js";
import { ARCHITECTURES, COMPAT_ARCHITECTURES, DEFAULT_ARCHITECTURES, X32_SYSCALL_BIT, architectureByAuditArch, auditArchOf, compatFamily, dockerArchToken, resolveArchMap, type DockerArchMapEntry } from "../../src/profile/architectures.js";
import { syscallNumber } from "../../src/profile/syscall-table.js";
import { SYSCALL_TABLE_COLUMNS } from "../../src/profile/syscalls.generated.js";

const corpus = (path: string) => fileURLToPath(new URL(`../fixtures/corpus/${path}`, import.meta.url));

interface DockerProfile {
  archMap?: DockerArchMapEntry[];
  syscalls: { includes?: { arches?: string[] }; excludes?: { arches?: string[] } }[];
}
const mobyDefault = JSON.parse(readFileSync(corpus("moby/default.json"), "utf8")) as DockerProfile;

describe("architectures", () => {
  it("lists each token once, each with matching info", () => {
    assert.equal(new Set(ARCHITECTURE_TOKENS).size, ARCHITECTURE_TOKENS.length);
    assert.deepEqual(Object.keys(ARCHITECTURES).sort(), [...ARCHITECTURE_TOKENS].sort());
    for (const token of ARCHITECTURE_TOKENS) {
      assert.equal(ARCHITECTURES[token].token, token);
      assert.ok(isArchitectureToken(token));
    }
    assert.ok(!isArchitectureToken("SCMP_ARCH_AMD64"));
    assert.ok(!isArchitectureToken("x86_64"));
  });

  it("has the AUDIT_ARCH values of linux/audit.h", () => {
    const expected: Partial<Record<ArchitectureToken, number>> = {
      SCMP_ARCH_X86: 0x40000003,
      SCMP_ARCH_X86_64: 0xc000003e,
      SCMP_ARCH_X32: 0xc000003e,
      SCMP_ARCH_ARM: 0x40000028,
      SCMP_ARCH_AARCH64: 0xc00000b7,
      SCMP_ARCH_MIPS: 0x00000008,
      SCMP_ARCH_MIPSEL: 0x40000008,
      SCMP_ARCH_MIPS64: 0x80000008,
      SCMP_ARCH_MIPS64N32: 0xa0000008,
      SCMP_ARCH_MIPSEL64: 0xc0000008,
      SCMP_ARCH_MIPSEL64N32: 0xe0000008,
      SCMP_ARCH_PPC: 0x00000014,
      SCMP_ARCH_PPC64: 0x80000015,
      SCMP_ARCH_PPC64LE: 0xc0000015,
      SCMP_ARCH_S390: 0x00000016,
      SCMP_ARCH_S390X: 0x80000016,
      SCMP_ARCH_PARISC: 0x0000000f,
      SCMP_ARCH_PARISC64: 0x8000000f,
      SCMP_ARCH_RISCV64: 0xc00000f3,
      SCMP_ARCH_LOONGARCH64: 0xc0000102,
      SCMP_ARCH_M68K: 0x00000004,
      SCMP_ARCH_SH: 0x4000002a,
      SCMP_ARCH_SHEB: 0x0000002a,
    };
    for (const token of ARCHITECTURE_TOKENS) {
      assert.equal(auditArchOf(token), expected[token], token);
      assert.ok(auditArchOf(token) > 0, `${token} is unsigned`);
    }
  });

  it("shares an AUDIT_ARCH value only between x86_64 and x32", () => {
    const seen = new Map<number, ArchitectureToken[]>();
    for (const token of ARCHITECTURE_TOKENS) {
      seen.set(auditArchOf(token), [...(seen.get(auditArchOf(token)) ?? []), token]);
    }
    const shared = [...seen.values()].filter((tokens) => tokens.length > 1);
    assert.deepEqual(shared, [["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]]);
  });

  it("agrees with the AUDIT_ARCH flag bits on word size and endianness", () => {
    for (const token of ARCHITECTURE_TOKENS) {
      const info = ARCHITECTURES[token];
      assert.equal(info.endian, info.auditArch & 0x40000000 ? "little" : "big", token);
      // x32 and MIPS n32 are 32-bit ABIs of a 64-bit kernel.
      const kernel64 = (info.auditArch & 0x80000000) !== 0;
      if (token === "SCMP_ARCH_X32" || token.endsWith("64N32")) assert.equal(info.bits, 32, token);
      else assert.equal(info.bits, kernel64 ? 64 : 32, token);
    }
  });

  it("maps every token to a generated table column and uses every column", () => {
    const used = new Set(ARCHITECTURE_TOKENS.map((token) => ARCHITECTURES[token].table));
    assert.deepEqual([...used].sort(), [...SYSCALL_TABLE_COLUMNS].sort());
    // Endian variants share numbers.
    assert.equal(ARCHITECTURES.SCMP_ARCH_PPC64LE.table, "ppc64");
    assert.equal(ARCHITECTURES.SCMP_ARCH_MIPSEL64N32.table, "mips64n32");
    assert.equal(ARCHITECTURES.SCMP_ARCH_SHEB.table, "sh");
  });

  describe("architectureByAuditArch", () => {
    it("round-trips every token given one of its syscall numbers", () => {
      for (const token of ARCHITECTURE_TOKENS) {
        const nr = syscallNumber(token, "read");
        assert.notEqual(nr, undefined, token);
        assert.equal(architectureByAuditArch(auditArchOf(token), nr), token);
      }
    });

    it("tells x32 from x86_64 by the syscall bit", () => {
      assert.equal(architectureByAuditArch(0xc000003e, 59), "SCMP_ARCH_X86_64");
      assert.equal(architectureByAuditArch(0xc000003e, X32_SYSCALL_BIT | 59), "SCMP_ARCH_X32");
      assert.equal(architectureByAuditArch(0xc000003e), "SCMP_ARCH_X86_64");
      // The bit only means x32 on AUDIT_ARCH_X86_64.
      assert.equal(architectureByAuditArch(0x40000003, X32_SYSCALL_BIT | 3), "SCMP_ARCH_X86");
    });

    it("accepts the signed form of the value and rejects unknown ones", () => {
      assert.equal(architectureByAuditArch(0xc00000b7 | 0), "SCMP_ARCH_AARCH64");
      assert.equal(architectureByAuditArch(0x1234), undefined);
      assert.equal(architectureByAuditArch(0), undefined);
    });
  });

  describe("compat families", () => {
    it("match the archMap of Docker's default profile", () => {
      const archMap = mobyDefault.archMap ?? [];
      assert.ok(archMap.length > 0);
      for (const entry of archMap) {
        const native = dockerArchToken(entry.architecture);
        assert.ok(native !== undefined, entry.architecture);
        assert.deepEqual(COMPAT_ARCHITECTURES[native], [...(entry.subArchitectures ?? [])], native);
      }
      // Natives Docker's map leaves out must not claim compat ABIs.
      const docker = new Set(archMap.map((e) => e.architecture));
      for (const [native, subs] of Object.entries(COMPAT_ARCHITECTURES)) {
        if (!docker.has(native)) assert.deepEqual(subs, [], native);
      }
    });

    it("are closed under membership: every compat ABI is a token with a table", () => {
      for (const [native, subs] of Object.entries(COMPAT_ARCHITECTURES)) {
        assert.ok(isArchitectureToken(native));
        for (const sub of subs ?? []) assert.ok(isArchitectureToken(sub), `${native} -> ${sub}`);
        assert.ok(!(subs ?? []).includes(native as ArchitectureToken), native);
      }
    });

    it("start with the native token", () => {
      assert.deepEqual(compatFamily("SCMP_ARCH_X86_64"), ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
      assert.deepEqual(compatFamily("SCMP_ARCH_PPC64LE"), ["SCMP_ARCH_PPC64LE"]);
      assert.deepEqual(compatFamily("SCMP_ARCH_PPC"), ["SCMP_ARCH_PPC"]);
    });

    it("give the default architectures for amd64 and arm64 nodes", () => {
      assert.deepEqual(
        [...DEFAULT_ARCHITECTURES],
        [...compatFamily("SCMP_ARCH_X86_64"), ...compatFamily("SCMP_ARCH_AARCH64")],
      );
    });
  });

  describe("Docker names", () => {
    it("resolves every arch named in the corpus' includes and excludes", () => {
      const names = new Set<string>();
      for (const rule of mobyDefault.syscalls) {
        for (const name of [...(rule.includes?.arches ?? []), ...(rule.excludes?.arches ?? [])]) names.add(name);
      }
      assert.ok(names.size > 0);
      for (const name of names) assert.notEqual(dockerArchToken(name), undefined, name);
      assert.equal(dockerArchToken("amd64"), "SCMP_ARCH_X86_64");
      assert.equal(dockerArchToken("arm64"), "SCMP_ARCH_AARCH64");
      assert.equal(dockerArchToken("x32"), "SCMP_ARCH_X32");
      assert.equal(dockerArchToken("mips3l64n32"), "SCMP_ARCH_MIPSEL64N32");
    });

    it("accepts tokens and rejects near misses", () => {
      for (const token of ARCHITECTURE_TOKENS) assert.equal(dockerArchToken(token), token);
      assert.equal(dockerArchToken("AMD64"), undefined);
      assert.equal(dockerArchToken("scmp_arch_x86_64"), undefined);
      assert.equal(dockerArchToken(""), undefined);
    });

    it("gives every token a distinct native name that resolves back to it", () => {
      const names = ARCHITECTURE_TOKENS.map((token) => ARCHITECTURES[token].nativeName);
      assert.equal(new Set(names).size, names.length);
      for (const token of ARCHITECTURE_TOKENS) assert.equal(dockerArchToken(ARCHITECTURES[token].nativeName), token);
    });
  });

  describe("resolveArchMap", () => {
    const archMap = mobyDefault.archMap ?? [];

    it("picks the host's entry like Docker does", () => {
      assert.deepEqual(resolveArchMap(archMap, "SCMP_ARCH_X86_64"), {
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        unknown: [],
      });
      assert.deepEqual(resolveArchMap(archMap, "SCMP_ARCH_RISCV64").architectures, ["SCMP_ARCH_RISCV64"]);
      assert.deepEqual(resolveArchMap(archMap, "SCMP_ARCH_PPC").architectures, []);
    });

    it("unions all entries without a host, once each", () => {
      const { architectures, unknown } = resolveArchMap(archMap);
      assert.deepEqual(unknown, []);
      assert.equal(new Set(architectures).size, architectures.length);
      assert.deepEqual(
        [...architectures].sort(),
        [...new Set(archMap.flatMap((e) => [e.architecture, ...(e.subArchitectures ?? [])]))].sort(),
      );
      assert.equal(architectures[0], "SCMP_ARCH_X86_64");
    });

    it("reports names it does not know", () => {
      const result = resolveArchMap([
        { architecture: "amd64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_I386"] },
        { architecture: "SCMP_ARCH_VAX", subArchitectures: null },
      ]);
      assert.deepEqual(result, { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], unknown: ["SCMP_ARCH_I386", "SCMP_ARCH_VAX"] });
    });
  });
});
