import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";

// process.arch values of the architectures Node.js runs on.
const BY_NODE_ARCH: Readonly<Record<string, ArchitectureToken>> = {
  x64: "SCMP_ARCH_X86_64",
  ia32: "SCMP_ARCH_X86",
  arm64: "SCMP_ARCH_AARCH64",
  arm: "SCMP_ARCH_ARM",
  s390x: "SCMP_ARCH_S390X",
  ppc64: "SCMP_ARCH_PPC64LE",
  riscv64: "SCMP_ARCH_RISCV64",
  loong64: "SCMP_ARCH_LOONGARCH64",
  mips64el: "SCMP_ARCH_MIPSEL64",
};

/** The seccomp architecture of this machine's native ABI. */
export function hostArchitecture(arch: string = process.arch): ArchitectureToken {
  const token = BY_NODE_ARCH[arch];
  if (token === undefined) throw new Error(`no seccomp architecture known for ${arch}`);
  return token;
}
