// The real node leaves nothing behind even when the test run is SIGKILLed
// (a CI time limit, an OOM kill): a node with a running pod is started by a
// child process, which is then killed; its reaper must remove every process,
// mount, network namespace, device, cgroup and file. Runs before the shared
// cluster starts (only one real node runs at a time).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { e2eRequired, ensureImages } from "../harness/e2e-cluster.js";
import { repoRoot } from "../harness/binaries.js";
import { realNodeUnavailable } from "../harness/real-node.js";
import { waitUntil } from "../harness/readiness.js";

interface Started {
  dir: string;
  nodeDir: string;
  containerPid: number;
  netns: string;
}

function leftovers(s: Started): string[] {
  const left: string[] = [];
  if (existsSync(s.dir)) left.push(`directory ${s.dir}`);
  if (existsSync(`/proc/${s.containerPid}`)) left.push(`the pod's process ${s.containerPid}`);
  if (execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(s.netns)) left.push(`network namespace ${s.netns}`);
  const veth = s.netns.replace(/^seccomp-e2e-/, "sce");
  if (new RegExp(`^\\d+: ${veth}[@:]`, "m").test(execFileSync("ip", ["-o", "link"], { encoding: "utf8" }))) left.push(`veth ${veth}`);
  for (const h of readdirSync("/sys/fs/cgroup")) {
    if (existsSync(join("/sys/fs/cgroup", h, s.netns))) left.push(`cgroup ${h}/${s.netns}`);
  }
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(s.dir));
  if (mounts.length > 0) left.push(`mounts: ${mounts.join("; ")}`);
  return left;
}

describe("e2e: the real node's teardown after SIGKILL", function () {
  before(function () {
    const unavailable = realNodeUnavailable();
    if (unavailable) {
      if (e2eRequired()) throw new Error(`end-to-end tests are required (CI=true or SECCOMP_E2E=required) but ${unavailable}`);
      this.skip();
    }
  });

  it("removes every process, mount, namespace, device, cgroup and file of a killed run", async function () {
    this.timeout(10 * 60_000);
    await ensureImages((m) => console.error(`real node: ${m}`));
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test", "e2e", "fixtures", "node-then-wait.ts")], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    let started: Started | undefined;
    try {
      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error(`the child exited with ${child.exitCode}: ${err}`);
          const line = out.split("\n").find((l) => l.startsWith("{"));
          if (line) started = JSON.parse(line) as Started;
          return started !== undefined;
        },
        { what: "a real node with a running pod in the child process", timeoutMs: 180_000, intervalMs: 200 },
      );
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
    const s = started!;
    assert.ok(existsSync(`/proc/${s.containerPid}`), "the pod's process is not running");
    assert.ok(
      readFileSync("/proc/self/mountinfo", "utf8").includes(s.dir),
      "the node's mount namespace file is not bound (nothing to clean up would prove nothing)",
    );
    child.kill("SIGKILL");
    let left: string[] = [];
    await waitUntil(
      async () => {
        left = leftovers(s);
        return left.length === 0;
      },
      { what: "everything of the killed run removed", timeoutMs: 60_000, intervalMs: 500 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}; left: ${left.join(", ")}`);
    });
  });
});
