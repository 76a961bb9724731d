// The one control plane of a test run. It starts on first use, so a run that
// selects no integration test starts nothing, and it is stopped by the global
// teardown in test/integration/setup.ts (or, failing that, when the process
// exits).
import { ControlPlane } from "./control-plane.js";

let shared: Promise<ControlPlane> | undefined;

function formatTimings(cp: ControlPlane): string {
  return Object.entries(cp.timings)
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}s`)
    .join(", ");
}

export function getControlPlane(): Promise<ControlPlane> {
  shared ??= ControlPlane.start({
    keepDir: process.env.SECCOMP_OPERATOR_TEST_KEEP_DIR === "1",
    log: process.env.SECCOMP_OPERATOR_TEST_VERBOSE === "1" ? (m) => console.error(`control plane: ${m}`) : undefined,
  }).then((cp) => {
    console.error(`control plane: ${cp.url} ready (${formatTimings(cp)}); files in ${cp.dir}`);
    return cp;
  });
  // A control plane that failed to start is not retried by every suite: they
  // all fail at once with the same, first, error.
  return shared;
}

export async function stopControlPlane(): Promise<void> {
  if (!shared) return;
  const started = shared;
  shared = undefined;
  let cp: ControlPlane;
  try {
    cp = await started;
  } catch {
    return;
  }
  const t = Date.now();
  await cp.stop();
  console.error(`control plane: stopped in ${((Date.now() - t) / 1000).toFixed(1)}s (${formatTimings(cp)})`);
}

/**
 * For a mocha `describe`: starts (or reuses) the control plane before its
 * tests and returns an accessor for them.
 */
export function useControlPlane(): () => ControlPlane {
  let cp: ControlPlane | undefined;
  before(async function () {
    // The first start may build the binaries (a cold build takes many
    // minutes); every component's readiness wait has its own limit.
    this.timeout(60 * 60_000);
    cp = await getControlPlane();
  });
  return () => {
    if (!cp) throw new Error("control plane not started: call useControlPlane() inside describe()");
    return cp;
  };
}
