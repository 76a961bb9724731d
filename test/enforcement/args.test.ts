import assert from "node:assert/strict";
import { useEnforcement } from "./harness.js";
import { allowlist, denylist } from "./profiles.js";
import { render, type ProfileSpec } from "./render.js";

type Rule = NonNullable<ProfileSpec["syscalls"]>[number];
type Arg = NonNullable<Rule["args"]>[number];

// The shell is the container's pid 1, so `kill -N 1` signals itself; as a namespace init it
// ignores signals it has no handler for, and each attempt just reports kill(2)'s result.
const SIGNALS = [0, 1, 18] as const;
const TRY_SIGNALS = SIGNALS.map((s) => `kill -${s} 1 2>/dev/null && echo ${s}:sent || echo ${s}:denied`).join("; ");

/** Which of SIGNALS kill(1, sig) was denied for under the given rule. */
async function deniedSignals(run: (spec: ProfileSpec) => Promise<string>, args: Arg[]): Promise<number[]> {
  const stdout = await run(denylist([{ names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 1, args }]));
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, SIGNALS.length, `unexpected output: ${stdout}`);
  return lines.filter((l) => l.endsWith(":denied")).map((l) => Number(l.split(":")[0]));
}

describe("enforcement: argument conditions", function () {
  const harness = useEnforcement();
  const runShell = async (spec: ProfileSpec): Promise<string> => {
    const result = await harness().run({ args: ["/bin/sh", "-c", TRY_SIGNALS], seccomp: render(spec) });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };

  it("without conditions every kill(2) matches", async function () {
    assert.deepEqual(await deniedSignals(runShell, []), [0, 1, 18]);
  });

  // Argument 1 of kill(2) is the signal number.
  const cases: Array<[Arg, number[]]> = [
    [{ index: 1, value: 1, op: "SCMP_CMP_EQ" }, [1]],
    [{ index: 1, value: 1, op: "SCMP_CMP_NE" }, [0, 18]],
    [{ index: 1, value: 1, op: "SCMP_CMP_LT" }, [0]],
    [{ index: 1, value: 1, op: "SCMP_CMP_LE" }, [0, 1]],
    [{ index: 1, value: 1, op: "SCMP_CMP_GT" }, [18]],
    [{ index: 1, value: 1, op: "SCMP_CMP_GE" }, [1, 18]],
    // 18 is 0b10010: the only one of 0, 1, 18 with bit 4 set.
    [{ index: 1, value: 0x10, valueTwo: 0x10, op: "SCMP_CMP_MASKED_EQ" }, [18]],
  ];
  for (const [arg, denied] of cases) {
    const valueTwo = arg.valueTwo === undefined ? "" : ` == ${arg.valueTwo}`;
    it(`${arg.op} ${arg.value}${valueTwo} on the signal denies exactly signals ${denied.join(", ")}`, async function () {
      assert.deepEqual(await deniedSignals(runShell, [arg]), denied);
    });
  }

  it("conditions of one rule must all hold (AND)", async function () {
    const args: Arg[] = [
      { index: 0, value: 1, op: "SCMP_CMP_EQ" }, // pid 1
      { index: 1, value: 1, op: "SCMP_CMP_GE" }, // and a real signal
    ];
    assert.deepEqual(await deniedSignals(runShell, args), [1, 18]);
    const otherPid: Arg[] = [{ index: 0, value: 2, op: "SCMP_CMP_EQ" }, args[1]!];
    assert.deepEqual(await deniedSignals(runShell, otherPid), []);
  });

  it("separate rules for one syscall each apply (OR)", async function () {
    const rule = (signal: number): Rule => ({
      names: ["kill"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: 1,
      args: [{ index: 1, value: signal, op: "SCMP_CMP_EQ" }],
    });
    const stdout = await runShell(denylist([rule(0), rule(18)]));
    assert.equal(stdout, "0:denied\n1:sent\n18:denied\n");
  });

  it("an allowlist can allow personality(2) for one value only, as Docker's default does", async function () {
    // PER_LINUX is 0, PER_LINUX32 is 8: linux64 and linux32 set them before exec'ing.
    const spec = allowlist({
      rules: [{ names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] }],
    });
    const allowed = await harness().run({ args: ["/bin/busybox", "linux64", "/bin/busybox", "echo", "ok"], seccomp: render(spec) });
    assert.deepEqual([allowed.status, allowed.stdout, allowed.stderr], [0, "ok\n", ""]);
    const denied = await harness().run({ args: ["/bin/busybox", "linux32", "/bin/busybox", "echo", "ok"], seccomp: render(spec) });
    assert.equal(denied.stderr, "linux32: personality(0x8): Operation not permitted\n");
    assert.equal(denied.status, 1);
  });
});
