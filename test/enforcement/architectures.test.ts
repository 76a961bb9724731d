import type { OciSeccomp } from "../../src/profile/render.js";
import assert from "node:assert/strict";
import { arch, endianness } from "node:os";
import { ARCHITECTURE_TOKENS, type ArchitectureToken } from "../../src/api/seccomp-vocabulary.js";
import { ARCHITECTURES, DEFAULT_ARCHITECTURES } from "../../src/profile/architectures.js";
import { useEnforcement } from "./harness.js";
import { allowlist } from "./profiles.js";
import { render } from "./render.js";

const MKDIR = ["/bin/busybox", "mkdir", "/tmp/x"];
const EPERM_MKDIR = "mkdir: can't create directory '/tmp/x': Operation not permitted\n";

// Keyed by Node's name for the host architecture.
const NATIVE: Partial<Record<string, ArchitectureToken>> = { x64: "SCMP_ARCH_X86_64", arm64: "SCMP_ARCH_AARCH64" };
const FOREIGN: Partial<Record<string, ArchitectureToken[]>> = {
  x64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  arm64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
};
/** Tokens the engine lists as runc-supported that runc 1.1 builds predate (added in later releases). */
const NEWER_THAN_RUNC_1_1: readonly ArchitectureToken[] = ["SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64"];
const HOST_ENDIAN = endianness() === "LE" ? "little" : "big";

describe("enforcement: architectures", function () {
  const harness = useEnforcement();

  it("runc accepts and enforces the engine's default list (x86_64, x86, x32, aarch64, arm)", async function () {
    const seccomp = render(allowlist());
    assert.deepEqual(seccomp.architectures, [...DEFAULT_ARCHITECTURES].sort(), "rendered without architectures: the default list");
    const echo = await harness().run({ args: ["/bin/busybox", "echo", "hi"], seccomp });
    assert.deepEqual([echo.status, echo.stdout, echo.runcError], [0, "hi\n", undefined]);
    const denied = await harness().run({ args: MKDIR, seccomp });
    assert.equal(denied.stderr, EPERM_MKDIR);
  });

  it("a list without the host's architecture still filters the host's syscalls", async function () {
    // libseccomp always adds the native architecture, so such a list does not disable the filter.
    const foreign = FOREIGN[arch()];
    if (foreign === undefined) this.skip();
    const seccomp = render({ ...allowlist(), architectures: foreign });
    const denied = await harness().run({ args: MKDIR, seccomp });
    assert.equal(denied.stderr, EPERM_MKDIR);
  });

  it("runc fails the container for tokens the engine marks as unsupported by runc", async function () {
    const unsupported = ARCHITECTURE_TOKENS.filter((token) => !ARCHITECTURES[token].runc);
    assert.ok(unsupported.length > 0);
    for (const token of unsupported) {
      const result = await harness().run({
        args: ["/bin/busybox", "echo", "hi"],
        seccomp: render({ defaultAction: "SCMP_ACT_ALLOW", architectures: [token] }),
      });
      assert.equal(result.runcError, `runc run failed: string ${token} is not a valid arch for seccomp`, token);
    }
  });

  it("runc accepts the tokens the engine marks as supported, of the host's byte order", async function () {
    const tokens = ARCHITECTURE_TOKENS.filter((t) => ARCHITECTURES[t].runc && ARCHITECTURES[t].endian === HOST_ENDIAN);
    const rejected: string[] = [];
    for (const token of tokens) {
      const result = await harness().run({
        args: ["/bin/busybox", "echo", "hi"],
        seccomp: render({ defaultAction: "SCMP_ACT_ALLOW", architectures: [token] }),
      });
      if (result.status !== 0) {
        assert.equal(result.runcError, `runc run failed: string ${token} is not a valid arch for seccomp`, token);
        rejected.push(token);
      }
    }
    const unexpected = rejected.filter((t) => !NEWER_THAN_RUNC_1_1.includes(t as ArchitectureToken));
    assert.deepEqual(unexpected, [], `runc ${harness().runcVersion} rejects ${unexpected.join(", ")}`);
    if (harness().runcVersion.startsWith("1.1.")) assert.deepEqual(rejected, [...NEWER_THAN_RUNC_1_1]);
  });

  it("runc cannot load a filter that mixes byte orders (libseccomp answers EDOM), so the engine refuses one", async function () {
    const other = ARCHITECTURE_TOKENS.find((t) => ARCHITECTURES[t].runc && ARCHITECTURES[t].endian !== HOST_ENDIAN);
    const native = NATIVE[arch()];
    if (other === undefined || native === undefined) this.skip();
    const spec = { defaultAction: "SCMP_ACT_ALLOW" as const, architectures: [native, other] };
    assert.throws(() => render(spec), /little- and big-endian architectures cannot share one filter/);
    // Written by hand, past the engine, it fails every container.
    const result = await harness().run({
      args: ["/bin/busybox", "echo", "hi"],
      seccomp: { ...spec, syscalls: [] } as OciSeccomp,
    });
    assert.match(result.runcError ?? "", /error adding architecture to seccomp filter: numerical argument out of domain/);
    assert.equal(result.stdout, "");
  });
});
