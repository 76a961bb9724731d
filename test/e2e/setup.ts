// Loaded by mocha with `--require` (see .mocharc.json): stops the shared real
// node once, after every test has run (it starts on first use).
import { stopE2eCluster } from "../harness/e2e-cluster.js";

export async function mochaGlobalTeardown(): Promise<void> {
  await stopE2eCluster();
}
