// Loaded by mocha with `--require` (see .mocharc.json): stops the shared
// control plane once, after every test has run. Starting it is lazy (the
// first integration suite does), so unit-only runs pay nothing.
import { stopControlPlane } from "../harness/shared.js";

export async function mochaGlobalTeardown(): Promise<void> {
  await stopControlPlane();
}
