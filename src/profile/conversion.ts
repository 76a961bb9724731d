import type { ArchitectureToken } from "../api/seccomp-vocabulary.js";
import type { Diagnostic } from "./diagnostics.js";

export type SourceFormat = "SeccompProfile" | "oci" | "docker" | "containers-common" | "security-profiles-operator";

/** A source document brought to the shape of our spec, not yet checked. */
export interface Conversion {
  format: SourceFormat;
  name?: string;
  namespace?: string;
  candidate: unknown;
  diagnostics: Diagnostic[];
  /** Maps a path in our spec (`spec.syscalls[2].names[0]`) back to the source's own path. */
  relocate: (specPath: string) => string;
}

export interface ConvertOptions {
  /**
   * Capabilities the container is assumed to have, to resolve Docker's `includes.caps` and
   * `excludes.caps`. Defaults to the container runtime's default set.
   */
  capabilities?: readonly string[];
  /**
   * The nodes' native architectures, to resolve Docker's `archMap` (which Docker resolves per
   * host at run time). Defaults to x86_64 and aarch64.
   */
  nativeArchitectures?: readonly ArchitectureToken[];
}

export const DEFAULT_NATIVE_ARCHITECTURES: readonly ArchitectureToken[] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"];

/** The capabilities containerd and CRI-O give a container by default (Docker's default set). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_AUDIT_WRITE",
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_MKNOD",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_RAW",
  "CAP_SETFCAP",
  "CAP_SETGID",
  "CAP_SETPCAP",
  "CAP_SETUID",
  "CAP_SYS_CHROOT",
];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
