import assert from "node:assert/strict";
import { useEnforcement } from "./harness.js";
import { allowlist } from "./profiles.js";
import { render } from "./render.js";

// Why lint rule SCP011 exists: whether a runtime takes seccomp flags at all depends on its version.
describe("enforcement: filter flags", function () {
  const harness = useEnforcement();

  it("SECCOMP_FILTER_FLAG_LOG is refused by runc before 1.2 and enforced by newer ones", async function () {
    const seccomp = render({ ...allowlist(), flags: ["SECCOMP_FILTER_FLAG_LOG"] });
    assert.deepEqual(seccomp.flags, ["SECCOMP_FILTER_FLAG_LOG"]);
    const result = await harness().run({ args: ["/bin/busybox", "echo", "hi"], seccomp });
    const [major, minor] = harness().runcVersion.split(".").map(Number);
    if (major === 1 && (minor ?? 0) < 2) {
      assert.match(result.runcError ?? "", /seccomp flags are not yet supported by runc/);
      assert.equal(result.stdout, "");
    } else {
      assert.equal(result.runcError, undefined);
      assert.equal(result.stdout, "hi\n");
    }
  });
});
