import assert from "node:assert/strict";
import { CONTAINER_HOSTNAME } from "./bundle.js";
import { useEnforcement } from "./harness.js";
import { allowlist, denylist, SIGSEGV_STATUS, SIGSYS_STATUS } from "./profiles.js";
import { render } from "./render.js";
import { RUNC_INIT_PRIVILEGED } from "./syscall-sets.js";

const MKDIR = ["/bin/busybox", "mkdir", "/tmp/x"];
const mkdirFailed = (message: string) => `mkdir: can't create directory '/tmp/x': ${message}\n`;

describe("enforcement: actions", function () {
  const harness = useEnforcement();

  describe("an allowlist (defaultAction SCMP_ACT_ERRNO)", function () {
    it("lets the allowed commands run", async function () {
      const seccomp = render(allowlist());
      const echo = await harness().run({ args: ["/bin/busybox", "echo", "hi"], seccomp });
      assert.deepEqual([echo.status, echo.stdout, echo.stderr], [0, "hi\n", ""]);
      const cat = await harness().run({ args: ["/bin/busybox", "cat", "/etc/hostname"], seccomp });
      assert.deepEqual([cat.status, cat.stdout, cat.stderr], [0, `${CONTAINER_HOSTNAME}\n`, ""]);
    });

    it("denies a syscall it does not list with EPERM", async function () {
      const result = await harness().run({ args: MKDIR, seccomp: render(allowlist()) });
      assert.equal(result.runcError, undefined);
      assert.equal(result.stderr, mkdirFailed("Operation not permitted"));
      assert.equal(result.status, 1);
    });

    it("allows it once listed (the denial above is seccomp's, not the filesystem's)", async function () {
      const result = await harness().run({ args: MKDIR, seccomp: render(allowlist({ extra: ["mkdir"] })) });
      assert.deepEqual([result.status, result.stderr], [0, ""]);
    });

    it("answers with defaultErrnoRet instead of EPERM", async function () {
      const eacces = await harness().run({ args: MKDIR, seccomp: render(allowlist({ defaultErrnoRet: 13 })) });
      assert.equal(eacces.stderr, mkdirFailed("Permission denied"));
      const enosys = await harness().run({ args: MKDIR, seccomp: render(allowlist({ defaultErrnoRet: 38 })) });
      assert.equal(enosys.stderr, mkdirFailed("Function not implemented"));
    });

    it("also works without noNewPrivileges when runc's privileged start-up is allowed", async function () {
      const seccomp = render(allowlist({ extra: RUNC_INIT_PRIVILEGED }));
      const echo = await harness().run({ args: ["/bin/busybox", "echo", "hi"], seccomp, noNewPrivileges: false });
      assert.deepEqual([echo.status, echo.stdout, echo.stderr], [0, "hi\n", ""]);
      const denied = await harness().run({ args: MKDIR, seccomp, noNewPrivileges: false });
      assert.equal(denied.stderr, mkdirFailed("Operation not permitted"));
    });

    it("without exit_group (and exit) the process cannot end cleanly", async function () {
      // glibc's _exit tries exit_group, then exit, then executes hlt: SIGSEGV in user mode.
      const result = await harness().run({
        args: ["/bin/busybox", "echo", "hi"],
        seccomp: render(allowlist({ without: ["exit_group", "exit"] })),
        timeoutMs: 2000,
      });
      assert.equal(result.stdout, "hi\n", "the work itself was done");
      assert.notEqual(result.status, 0);
      assert.equal(result.timedOut, false, "glibc gives up with a crash rather than hanging");
      assert.equal(result.status, SIGSEGV_STATUS);
    });

    it("exit alone is enough for a single-threaded process to exit 0", async function () {
      const result = await harness().run({
        args: ["/bin/busybox", "echo", "hi"],
        seccomp: render(allowlist({ without: ["exit_group"], extra: ["exit"] })),
      });
      assert.deepEqual([result.status, result.stdout], [0, "hi\n"]);
    });
  });

  describe("rule actions", function () {
    it("SCMP_ACT_ERRNO returns the rule's errnoRet, EPERM without one", async function () {
      const enospc = await harness().run({
        args: MKDIR,
        seccomp: render(denylist([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28 }])),
      });
      assert.equal(enospc.stderr, mkdirFailed("No space left on device"));
      const eperm = await harness().run({
        args: MKDIR,
        seccomp: render(denylist([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }])),
      });
      assert.equal(eperm.stderr, mkdirFailed("Operation not permitted"));
    });

    for (const action of ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"] as const) {
      it(`${action} ends the process with SIGSYS`, async function () {
        const result = await harness().run({ args: MKDIR, seccomp: render(denylist([{ names: ["mkdir", "mkdirat"], action }])) });
        assert.equal(result.runcError, undefined);
        assert.equal(result.stderr, "", "mkdir never got to report an error");
        assert.equal(result.status, SIGSYS_STATUS);
      });
    }

    it("a shell sees its child killed by SIGSYS and carries on", async function () {
      const result = await harness().run({
        args: ["/bin/sh", "-c", "mkdir /tmp/x; echo status=$?"],
        seccomp: render(denylist([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL_PROCESS" }])),
      });
      assert.equal(result.stdout, `status=${SIGSYS_STATUS}\n`);
      assert.equal(result.stderr, "Bad system call\n");
      assert.equal(result.status, 0);
    });
  });

  describe("defaultAction SCMP_ACT_LOG (audit mode)", function () {
    it("lets everything run", async function () {
      const result = await harness().run({
        args: ["/bin/sh", "-c", "mkdir /tmp/x && cat /etc/hostname"],
        seccomp: render({ defaultAction: "SCMP_ACT_LOG" }),
        noNewPrivileges: false,
      });
      assert.deepEqual([result.status, result.stdout, result.stderr], [0, `${CONTAINER_HOSTNAME}\n`, ""]);
    });

    it("still enforces its ERRNO rules", async function () {
      const result = await harness().run({
        args: ["/bin/sh", "-c", "mkdir /tmp/x || echo blocked"],
        seccomp: render({ defaultAction: "SCMP_ACT_LOG", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }] }),
      });
      assert.equal(result.stdout, "blocked\n");
      assert.equal(result.stderr, mkdirFailed("Operation not permitted"));
    });
  });
});
