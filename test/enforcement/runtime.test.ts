import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { KERNEL_ACTION_NAME } from "../../src/api/seccomp-vocabulary.js";
import { useEnforcement } from "./harness.js";

describe("enforcement: the runtime itself", function () {
  const harness = useEnforcement();

  it("runs busybox under runc without a profile", async function () {
    const result = await harness().run({ args: ["/bin/busybox", "echo", "unconfined"] });
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, "unconfined\n");
    assert.equal(result.status, 0);
  });

  it("the kernel offers every action the engine can render", function () {
    const available = readFileSync("/proc/sys/kernel/seccomp/actions_avail", "utf8").trim().split(/\s+/);
    const missing = Object.values(KERNEL_ACTION_NAME).filter((name) => !available.includes(name));
    assert.deepEqual(missing, [], `kernel lacks seccomp actions: ${missing.join(", ")}`);
  });

  it("kills a container that outlives its deadline, and deletes it", async function () {
    const result = await harness().run({ args: ["/bin/busybox", "sleep", "30"], timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    assert.equal(result.status, 128 + 9, "SIGKILL from runc kill");
    assert.ok(result.durationMs < 5000, `took ${result.durationMs} ms`);
    assert.deepEqual(harness().containers(), []);
  });
});
