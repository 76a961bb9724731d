/**
 * What runc and libseccomp make of a profile beyond its literal reading, and a check that
 * rendering keeps the meaning: the canonical form reorders rules, which is only safe where
 * order does not matter to runc.
 */
import assert from "node:assert/strict";
import { arch } from "node:os";
import { useEnforcement } from "./harness.js";
import { allowlist, denylist } from "./profiles.js";
import { render, type OciSeccomp, type ProfileSpec } from "./render.js";
import { BUSYBOX_STARTUP, GO_RUNTIME, RUNC_INIT_TAIL, unique } from "./syscall-sets.js";
import type { RunResult } from "../../src/cli/runc-run.js";

const MKDIR = ["/bin/busybox", "mkdir", "/tmp/x"];
// glibc's mkfifo is mknodat (259 on x86_64), numbered above openat (257).
const MKFIFO = ["/bin/busybox", "mkfifo", "/tmp/p"];
const mkdirFailed = (message: string) => `mkdir: can't create directory '/tmp/x': ${message}\n`;
const mkfifoFailed = (message: string) => `mkfifo: /tmp/p: ${message}\n`;

/**
 * An x86_64 allowlist whose highest-numbered syscall is openat (257): what runc and busybox
 * echo strictly need, leaving out the optional start-up calls numbered above it.
 */
function lowAllowlist(extra: Partial<ProfileSpec> = {}): ProfileSpec {
  const names = unique([...RUNC_INIT_TAIL, ...GO_RUNTIME, ...BUSYBOX_STARTUP]);
  return { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names, action: "SCMP_ACT_ALLOW" }], ...extra };
}

describe("enforcement: runc's reading of a profile", function () {
  const harness = useEnforcement();

  describe("runc's -ENOSYS stub", function () {
    before(function () {
      if (arch() !== "x64") this.skip(); // syscall numbers below are x86_64's
    });

    it("answers ENOSYS, not the default errno, above the highest syscall the profile names", async function () {
      const seccomp = render(lowAllowlist());
      const mkfifo = await harness().run({ args: MKFIFO, seccomp });
      assert.equal(mkfifo.stderr, mkfifoFailed("Function not implemented"));
      const mkdir = await harness().run({ args: MKDIR, seccomp });
      assert.equal(mkdir.stderr, mkdirFailed("Operation not permitted"), "mkdir (83) is below: the default errno");
    });

    it("ignores defaultErrnoRet up there too", async function () {
      const seccomp = render(lowAllowlist({ defaultErrnoRet: 13 }));
      const mkfifo = await harness().run({ args: MKFIFO, seccomp });
      assert.equal(mkfifo.stderr, mkfifoFailed("Function not implemented"));
      const mkdir = await harness().run({ args: MKDIR, seccomp });
      assert.equal(mkdir.stderr, mkdirFailed("Permission denied"));
    });

    it("moves up when any rule, whatever its action, names a higher syscall", async function () {
      const spec = lowAllowlist();
      spec.syscalls = [...(spec.syscalls ?? []), { names: ["rseq"], action: "SCMP_ACT_ERRNO" }]; // rseq is 334
      const mkfifo = await harness().run({ args: MKFIFO, seccomp: render(spec) });
      assert.equal(mkfifo.stderr, mkfifoFailed("Operation not permitted"));
    });

    it("applies only when the profile lists the host's architecture", async function () {
      const spec = lowAllowlist({ architectures: ["SCMP_ARCH_AARCH64"] });
      const mkfifo = await harness().run({ args: MKFIFO, seccomp: render(spec) });
      assert.equal(mkfifo.stderr, mkfifoFailed("Operation not permitted"));
    });
  });

  describe("several rules for one syscall (as runc reads them, unrendered)", function () {
    const mkdir = (action: string, errnoRet?: number) => ({ names: ["mkdir"], action, ...(errnoRet === undefined ? {} : { errnoRet }) });
    const raw = (defaultAction: string, syscalls: object[]): OciSeccomp => ({ defaultAction, syscalls });

    it("among unconditional rules with different actions the first one wins", async function () {
      const denyFirst = await harness().run({ args: MKDIR, seccomp: raw("SCMP_ACT_LOG", [mkdir("SCMP_ACT_ERRNO", 13), mkdir("SCMP_ACT_ALLOW")]) });
      assert.equal(denyFirst.stderr, mkdirFailed("Permission denied"));
      const allowFirst = await harness().run({ args: MKDIR, seccomp: raw("SCMP_ACT_LOG", [mkdir("SCMP_ACT_ALLOW"), mkdir("SCMP_ACT_ERRNO", 13)]) });
      assert.deepEqual([allowFirst.status, allowFirst.stderr], [0, ""]);
      const errnos = await harness().run({ args: MKDIR, seccomp: raw("SCMP_ACT_ALLOW", [mkdir("SCMP_ACT_ERRNO", 28), mkdir("SCMP_ACT_ERRNO", 13)]) });
      assert.equal(errnos.stderr, mkdirFailed("No space left on device"));
    });

    it("a rule with the default action is dropped, so it never wins", async function () {
      const result = await harness().run({ args: MKDIR, seccomp: raw("SCMP_ACT_ALLOW", [mkdir("SCMP_ACT_ALLOW"), mkdir("SCMP_ACT_ERRNO", 13)]) });
      assert.equal(result.stderr, mkdirFailed("Permission denied"));
    });

    it("an unconditional rule overrides conditional ones, in either order", async function () {
      const conditional = { ...mkdir("SCMP_ACT_ERRNO", 28), args: [{ index: 1, value: 0o777, op: "SCMP_CMP_EQ" }] };
      for (const rules of [[conditional, mkdir("SCMP_ACT_ERRNO", 13)], [mkdir("SCMP_ACT_ERRNO", 13), conditional]]) {
        const result = await harness().run({ args: MKDIR, seccomp: raw("SCMP_ACT_ALLOW", rules) });
        assert.equal(result.stderr, mkdirFailed("Permission denied"));
      }
    });
  });

  describe("rendering keeps what runc enforces", function () {
    const outcome = (r: RunResult) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });
    const mkdirRule = (action: ProfileSpec["defaultAction"], errnoRet?: number) =>
      errnoRet === undefined ? { names: ["mkdir"], action } : { names: ["mkdir"], action, errnoRet };
    const cases: Array<[string, ProfileSpec, string[]]> = [
      ["ERRNO then ALLOW for mkdir", { defaultAction: "SCMP_ACT_LOG", syscalls: [mkdirRule("SCMP_ACT_ERRNO", 13), mkdirRule("SCMP_ACT_ALLOW")] }, MKDIR],
      ["KILL_PROCESS then ERRNO for mkdir", { defaultAction: "SCMP_ACT_LOG", syscalls: [mkdirRule("SCMP_ACT_KILL_PROCESS"), mkdirRule("SCMP_ACT_ERRNO")] }, MKDIR],
      ["ERRNO 28 then ERRNO 13 for mkdir", denylist([mkdirRule("SCMP_ACT_ERRNO", 28), mkdirRule("SCMP_ACT_ERRNO", 13)]), MKDIR],
      [
        "conditional and unconditional rules for mkdir",
        allowlist({
          rules: [
            { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: [{ index: 1, value: 0o777, op: "SCMP_CMP_EQ" }] },
            mkdirRule("SCMP_ACT_ALLOW"),
          ],
        }),
        MKDIR,
      ],
      [
        "overlapping conditional rules for kill",
        denylist([
          { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] },
          { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: [{ index: 1, value: 0, op: "SCMP_CMP_EQ" }] },
        ]),
        ["/bin/busybox", "kill", "-0", "1"],
      ],
    ];
    for (const [title, spec, args] of cases) {
      it(`${title}: the rendered profile decides as the source does, or the engine refuses it`, async function () {
        let rendered: OciSeccomp;
        try {
          rendered = render(spec);
        } catch (error) {
          assert.match(String(error), /mkdir|kill/, "a refusal names the syscall");
          return;
        }
        // The source as written, with the rendered architectures so only the rules differ.
        const source = { ...spec, architectures: rendered.architectures } as OciSeccomp;
        const expected = await harness().run({ args, seccomp: source });
        const actual = await harness().run({ args, seccomp: rendered });
        assert.deepEqual(outcome(actual), outcome(expected), `rendered:\n${JSON.stringify(rendered, null, 2)}`);
      });
    }
  });
});
