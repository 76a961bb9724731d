/** Published profiles of other formats, converted and rendered by the engine, run under runc. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../corpus.js";
import { useEnforcement } from "./harness.js";
import { renderText } from "./render.js";

const containersCommon = () => readFileSync(join(REPO_ROOT, "test", "fixtures", "formats", "containers-common", "seccomp.json"), "utf8");

describe("enforcement: the containers-common default profile (podman, CRI-O, Buildah)", function () {
  const harness = useEnforcement();

  for (const noNewPrivileges of [true, false]) {
    it(`converts, renders and runs busybox under runc with noNewPrivileges ${String(noNewPrivileges)}`, async () => {
      const seccomp = renderText(containersCommon());
      const echo = await harness().run({ args: ["/bin/busybox", "echo", "hi"], seccomp, noNewPrivileges });
      assert.deepEqual([echo.status, echo.stdout, echo.stderr], [0, "hi\n", ""]);
    });
  }
});
