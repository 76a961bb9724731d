import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import { NODE_STATUS_RESOURCE, POD_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { ProfileSpec } from "../../src/api/profile-spec.js";
import { ApiError } from "../../src/kube/api-error.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { isAlreadyExists } from "../../src/kube/api-error.js";
import { RestClient } from "../../src/kube/rest-client.js";
import type { NodeReport } from "../../src/api/node-status.js";
import { nodeView } from "../node-digests.js";
import { renderSpec } from "../render-spec.js";
import { pinnedFile, readIfExists, startAgent, stableFile, type AgentProcess } from "../harness/agents.js";
import { installCrds } from "../harness/crds.js";
import { RestartableApiServer } from "../harness/restartable-apiserver.js";
import { eventually } from "../harness/eventually.js";
import { scrapeMetrics } from "../harness/metrics.js";
import { useNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

const ESSENTIALS = ["exit", "exit_group", "rt_sigreturn"];
const spec = (...names: string[]): ProfileSpec => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls: [{ names: [...ESSENTIALS, ...names], action: "SCMP_ACT_ALLOW" }],
});

interface NodeStatusObject {
  status?: NodeReport;
}

describe("node agent", function () {
  this.timeout(180_000);
  const cp = useControlPlane();
  const ns = useNamespace(cp);
  let client: RestClient;
  let agents: AgentProcess[] = [];
  const nodes = ["agent-node-a", "agent-node-b", "agent-node-c"];

  before(async function () {
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    agents = await Promise.all(nodes.map((nodeName) => startAgent(cp(), { nodeName })));
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.process.stop()));
    for (const node of nodes) await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const apply = (namespace: string, name: string, profileSpec: object) =>
    client.apply(
      { ...PROFILE_RESOURCE, namespace, name },
      { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec: profileSpec },
      { fieldManager: "agent-test", force: true },
    );
  const nodeStatus = (node: string) => client.get<NodeStatusObject & KubeObject>({ ...NODE_STATUS_RESOURCE, name: node });

  it("installs a profile on every node with the engine's exact bytes, and reports it", async () => {
    const rendered = renderSpec(spec("read", "write"));
    await apply(ns(), "web", spec("read", "write"));
    await eventually(
      () => {
        for (const agent of agents) {
          assert.equal(readIfExists(stableFile(agent, ns(), "web")), rendered.json, `stable file on ${agent.nodeName}`);
          assert.equal(readIfExists(pinnedFile(agent, ns(), "web", rendered.hash)), rendered.json, `pinned file on ${agent.nodeName}`);
        }
      },
      { timeoutMs: 20_000 },
    );
    for (const agent of agents) {
      const path = stableFile(agent, ns(), "web");
      assert.equal(readFileSync(path).length, Buffer.byteLength(rendered.json));
      const { statSync } = await import("node:fs");
      assert.equal(statSync(path).mode & 0o777, 0o644);
      assert.equal(statSync(join(agent.seccompDir, "operator", ns())).mode & 0o777, 0o755);
    }
    await eventually(async () => {
      for (const node of nodes) {
        const status = (await nodeStatus(node)).status;
        const view = await nodeView(client, status);
        assert.equal(view.expected(`${ns()}/web`), rendered.hash);
        assert.ok(view.consistent(`${ns()}/web`), `${node} reports web at its hash`);
        assert.match(status?.agentVersion ?? "", /^\d+\.\d+\.\d+/);
        assert.ok((status?.kernel?.actionsAvail ?? []).includes("errno"));
      }
    });
  });

  it("rewrites the stable file on update, keeps the old pinned file while a pod uses it, and removes it after the grace period when none does", async () => {
    const v1 = renderSpec(spec("read"));
    const v2 = renderSpec(spec("read", "write"));
    const v3 = renderSpec(spec("read", "write", "openat"));
    await apply(ns(), "app", spec("read"));
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "app")), v1.json)), { timeoutMs: 20_000 });
    // A pod on node a still runs with v1's pinned path. Its namespace's default service account is made
    // here, unless a controller manager (started by an earlier suite on the shared control plane) made it.
    await client
      .create({ group: "", version: "v1", plural: "serviceaccounts", namespace: ns() }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === 409)) throw error;
      });
    await client.create(
      { ...POD_RESOURCE, namespace: ns() },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "uses-v1", namespace: ns() },
        spec: {
          nodeName: nodes[0],
          containers: [{ name: "c", image: "busybox", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: `operator/${ns()}/app/${v1.hash}.json` } } }],
        },
      } as never,
    );
    await apply(ns(), "app", spec("read", "write"));
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "app")), v2.json)), { timeoutMs: 20_000 });
    await apply(ns(), "app", spec("read", "write", "openat"));
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "app")), v3.json)), { timeoutMs: 20_000 });
    // v2 is used by nothing: gone after the grace period (2 s here) on every node.
    await eventually(() => agents.forEach((a) => assert.equal(existsSync(pinnedFile(a, ns(), "app", v2.hash)), false, a.nodeName)), { timeoutMs: 60_000 });
    // v1 stays on node a (its pod) but goes on b and c.
    assert.equal(readIfExists(pinnedFile(agents[0]!, ns(), "app", v1.hash)), v1.json);
    await eventually(() => agents.slice(1).forEach((a) => assert.equal(existsSync(pinnedFile(a, ns(), "app", v1.hash)), false, a.nodeName)), { timeoutMs: 60_000 });
    assert.equal(readIfExists(pinnedFile(agents[0]!, ns(), "app", v1.hash)), v1.json);
    // Current content always stays.
    agents.forEach((a) => assert.equal(readIfExists(pinnedFile(a, ns(), "app", v3.hash)), v3.json));
  });

  it("collects unused pinned files on schedule while pods of the node are deleted every 300 ms", async () => {
    const v1 = renderSpec(spec("read"));
    await apply(ns(), "churn", spec("read"));
    await eventually(() => assert.ok(existsSync(pinnedFile(agents[0]!, ns(), "churn", v1.hash))), { timeoutMs: 20_000 });
    await client.create({ group: "", version: "v1", plural: "serviceaccounts", namespace: ns() }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } }).catch((e: unknown) => assert.ok(isAlreadyExists(e), String(e)));
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const name = `churn-${i}`;
        await client.create({ ...POD_RESOURCE, namespace: ns() }, { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns() }, spec: { nodeName: nodes[0], containers: [{ name: "c", image: "busybox" }] } } as never);
        await client.delete({ ...POD_RESOURCE, namespace: ns(), name }, { gracePeriodSeconds: 0 });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    try {
      await apply(ns(), "churn", spec("read", "write"));
      // Grace 2 s, interval 0.5 s: gone within seconds although a pod goes every 300 ms.
      await eventually(() => assert.equal(existsSync(pinnedFile(agents[0]!, ns(), "churn", v1.hash)), false), { timeoutMs: 15_000 });
    } finally {
      churning = false;
      await churn;
    }
  });

  it("removes the stable file on every node when the profile is deleted, and drops it from the status", async () => {
    await apply(ns(), "gone", spec("read"));
    await eventually(() => agents.forEach((a) => assert.ok(existsSync(stableFile(a, ns(), "gone")))), { timeoutMs: 20_000 });
    await client.delete({ ...PROFILE_RESOURCE, namespace: ns(), name: "gone" });
    await eventually(() => agents.forEach((a) => assert.equal(existsSync(stableFile(a, ns(), "gone")), false)), { timeoutMs: 20_000 });
    await eventually(async () => {
      for (const node of nodes) {
        const view = await nodeView(client, (await nodeStatus(node)).status);
        assert.equal(view.expected(`${ns()}/gone`), undefined);
        assert.ok(view.consistent(`${ns()}/gone`), `${node} no longer reports gone`);
      }
    });
  });

  it("keeps the last good file when an update is invalid, and reports why", async () => {
    const good = renderSpec(spec("read"));
    await apply(ns(), "strict", spec("read"));
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "strict")), good.json)), { timeoutMs: 20_000 });
    // The API server accepts it (the name matches the pattern); the engine does not.
    await apply(ns(), "strict", spec("read", "exit_grup"));
    await eventually(async () => {
      for (const node of nodes) {
        const failure = (await nodeStatus(node)).status?.failures?.find((f) => f.profile === `${ns()}/strict`);
        assert.match(failure?.reason ?? "", /invalid profile, last good file kept: .*exit_grup is not a syscall/);
      }
    });
    agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "strict")), good.json));
    for (const node of nodes) {
      const view = await nodeView(client, (await nodeStatus(node)).status);
      assert.ok(view.consistent(`${ns()}/strict`), `${node}: an invalid profile is left out of the digests`);
    }
  });

  it("resolves a base profile and re-renders the child when the base changes", async () => {
    await apply(ns(), "base", spec("read"));
    await apply(ns(), "child", { baseProfileName: "base", defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["write"], action: "SCMP_ACT_ALLOW" }] });
    const flattened = (...baseNames: string[]) => renderSpec({ defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: [...ESSENTIALS, ...baseNames, "write"], action: "SCMP_ACT_ALLOW" }] });
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "child")), flattened("read").json)), { timeoutMs: 20_000 });
    await apply(ns(), "base", spec("read", "openat"));
    await eventually(() => agents.forEach((a) => assert.equal(readIfExists(stableFile(a, ns(), "child")), flattened("read", "openat").json)), { timeoutMs: 20_000 });
  });

  it("installs 500 profiles created in one burst on every node", async function () {
    const count = 500;
    const names = Array.from({ length: count }, (_, i) => `burst-${i}`);
    const started = Date.now();
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((name, j) => apply(ns(), name, spec(...(j % 2 === 0 ? ["read"] : ["write"])))));
    }
    await eventually(
      () => {
        for (const agent of agents) {
          const files = readdirSync(join(agent.seccompDir, "operator", ns())).filter((f) => f.startsWith("burst-") && f.endsWith(".json"));
          assert.equal(files.length, count, `${agent.nodeName} has ${files.length}`);
        }
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    await eventually(
      async () => {
        for (const node of nodes) {
          const view = await nodeView(client, (await nodeStatus(node)).status);
          assert.deepEqual(names.filter((name) => !view.consistent(`${ns()}/${name}`)), [], node);
        }
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    console.error(`      500 profiles on 3 nodes, files and status, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("never writes through planted symlinks, and reports them in the node status", async () => {
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    writeFileSync(join(outside, "passwd"), "root:x:0:0\n");
    const snapshot = () => readdirSync(outside).map((f) => `${f}:${createHash("sha256").update(readFileSync(join(outside, f))).digest("hex")}`).sort();
    const before = snapshot();

    // operator -> outside
    const kubeletA = mkdtempSync(join(tmpdir(), "kubelet-symlink-a-"));
    mkdirSync(join(kubeletA, "seccomp"));
    symlinkSync(outside, join(kubeletA, "seccomp", "operator"));
    // operator/<ns> -> outside
    const kubeletB = mkdtempSync(join(tmpdir(), "kubelet-symlink-b-"));
    mkdirSync(join(kubeletB, "seccomp", "operator"), { recursive: true });
    symlinkSync(outside, join(kubeletB, "seccomp", "operator", ns()));
    // operator/<ns>/<name>.json -> outside/passwd
    const kubeletC = mkdtempSync(join(tmpdir(), "kubelet-symlink-c-"));
    mkdirSync(join(kubeletC, "seccomp", "operator", ns()), { recursive: true });
    symlinkSync(join(outside, "passwd"), join(kubeletC, "seccomp", "operator", ns(), "target.json"));

    await apply(ns(), "target", spec("read"));
    const planted = await Promise.all(
      [
        ["agent-symlink-a", kubeletA],
        ["agent-symlink-b", kubeletB],
        ["agent-symlink-c", kubeletC],
      ].map(([nodeName, kubeletDir]) => startAgent(cp(), { nodeName: nodeName!, kubeletDir: kubeletDir! })),
    );
    try {
      await eventually(async () => {
        for (const agent of planted) {
          const failure = (await nodeStatus(agent.nodeName)).status?.failures?.find((f) => f.profile === `${ns()}/target`);
          assert.match(failure?.reason ?? "", /^symlink at /, agent.nodeName);
        }
      });
      assert.deepEqual(snapshot(), before, "nothing outside the seccomp folder changed");
      assert.equal(readFileSync(join(outside, "passwd"), "utf8"), "root:x:0:0\n");
    } finally {
      await Promise.all(planted.map((a) => a.process.stop()));
      for (const a of planted) await client.delete({ ...NODE_STATUS_RESOURCE, name: a.nodeName }).catch(() => undefined);
    }
  });

  it("survives kill -9 in a write storm: a reader never sees a partial file, and the restarted agent converges", async function () {
    const victim = agents[2]!;
    const path = stableFile(victim, ns(), "storm");
    const versions = new Map<string, string>();
    const version = (i: number) => spec("read", ...(i % 2 === 0 ? ["write"] : []), `pread64`, ...(i % 3 === 0 ? ["openat"] : []), ...(i % 5 === 0 ? ["close"] : []));
    for (let i = 0; i < 30; i++) {
      const r = renderSpec(version(i));
      versions.set(r.json, r.hash);
    }
    await apply(ns(), "storm", version(0));
    await eventually(() => assert.ok(existsSync(path)), { timeoutMs: 20_000 });

    let reads = 0;
    let bad: string | undefined;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const text = readIfExists(path);
        reads++;
        if (text !== undefined && !versions.has(text)) bad = text;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    for (let i = 1; i < 30; i++) {
      await apply(ns(), "storm", version(i));
      if (i === 15) process.kill(-victim.process.pid, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await victim.process.exited;
    const last = renderSpec(version(29));
    const restarted = await startAgent(cp(), { nodeName: victim.nodeName, kubeletDir: victim.kubeletDir });
    agents[2] = restarted;
    await eventually(() => assert.equal(readIfExists(path), last.json), { timeoutMs: 20_000 });
    reading = false;
    await reader;
    assert.equal(bad, undefined, `a reader saw a file that is no rendered version:\n${bad}`);
    assert.ok(reads > 100, `the reader ran (${reads} reads)`);
    const leftovers = readdirSync(join(victim.seccompDir, "operator", ns())).filter((f) => f.endsWith(".tmp"));
    assert.deepEqual(leftovers, [], "no temporary file survives the restart");
  });

  it("recovers when the API server restarts under the agents, without being restarted", async function () {
    const second = await RestartableApiServer.create(cp());
    await second.start();
    const through = await Promise.all(["agent-restart-a", "agent-restart-b"].map((nodeName) => startAgent(cp(), { nodeName, kubeconfig: second.kubeconfig })));
    try {
      await apply(ns(), "steady", spec("read"));
      await eventually(() => through.forEach((a) => assert.ok(existsSync(stableFile(a, ns(), "steady")))), { timeoutMs: 20_000 });
      await second.stop();
      // Changes made while the agents' API server is down, through the shared one.
      const updated = renderSpec(spec("read", "write"));
      await apply(ns(), "steady", spec("read", "write"));
      await apply(ns(), "while-down", spec("read"));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await second.start();
      await eventually(
        () =>
          through.forEach((a) => {
            assert.equal(readIfExists(stableFile(a, ns(), "steady")), updated.json, a.nodeName);
            assert.ok(existsSync(stableFile(a, ns(), "while-down")), a.nodeName);
          }),
        { timeoutMs: 60_000 },
      );
      for (const a of through) assert.equal(a.process.exitInfo(), undefined, `${a.nodeName} kept running`);
      await eventually(async () => {
        for (const a of through) assert.ok((await nodeView(client, (await nodeStatus(a.nodeName)).status)).consistent(`${ns()}/steady`), a.nodeName);
      });
    } finally {
      await Promise.all(through.map((a) => a.process.stop()));
      await second.stop();
      for (const a of through) await client.delete({ ...NODE_STATUS_RESOURCE, name: a.nodeName }).catch(() => undefined);
    }
  });

  it("reports a heartbeat in its node's first status, not a heartbeat period later", async () => {
    const node = "agent-node-new";
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
    const agent = await startAgent(cp(), { nodeName: node, extraArgs: ["--heartbeat=300"] });
    try {
      await eventually(async () => assert.ok((await nodeStatus(node)).status?.heartbeatTime, "a heartbeat"), { timeoutMs: 15_000 });
    } finally {
      await agent.process.stop();
      await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
    }
  });

  it("keeps answering /healthz when its wall clock steps an hour forward (NTP)", async () => {
    const step = join(mkdtempSync(join(tmpdir(), "clock-step-")), "step");
    const hook = join(import.meta.dirname, "..", "harness", "clock-step.mjs");
    const agent = await startAgent(cp(), { nodeName: "agent-node-clock", nodeArgs: [`--import=${hook}`], env: { CLOCK_STEP_FILE: step, CLOCK_STEP_MS: String(3_600_000) } });
    try {
      const healthz = async () => (await fetch(`http://127.0.0.1:${agent.healthPort}/healthz`)).status;
      assert.equal(await healthz(), 200);
      writeFileSync(step, "");
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Its informers heard from the API server a moment ago, whatever the wall clock says.
      assert.equal(await healthz(), 200);
    } finally {
      await agent.process.stop();
      await client.delete({ ...NODE_STATUS_RESOURCE, name: "agent-node-clock" }).catch(() => undefined);
    }
  });

  it("answers /healthz and /readyz openly, and /metrics to the metrics reader", async () => {
    const agent = agents[0]!;
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${agent.healthPort}${path}`);
      return { status: response.status, text: await response.text() };
    };
    assert.equal((await get("/healthz")).status, 200);
    assert.equal((await get("/readyz")).status, 200);
    assert.equal((await get("/metrics")).status, 404, "the probes' port serves no metrics");
    const metrics = { text: await scrapeMetrics(cp(), agent.metricsPort) };
    for (const name of ["seccomp_agent_profiles_installed", "seccomp_agent_reconciles_total", "workqueue_depth", "informer_events_total", "seccomp_agent_node_status_writes_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_max_seconds"]) {
      assert.match(metrics.text, new RegExp(`^${name}`, "m"), name);
    }
    const installed = Number(/^seccomp_agent_profiles_installed (\d+)/m.exec(metrics.text)?.[1]);
    assert.ok(installed >= 1, `installed gauge ${installed}`);
  });

  it("converges at start-up: removes files of profiles deleted while it was down and rewrites tampered ones", async () => {
    const victim = agents[1]!;
    const kept = renderSpec(spec("read"));
    await apply(ns(), "kept", spec("read"));
    await apply(ns(), "dropped", spec("write"));
    await eventually(() => ["kept", "dropped"].forEach((n) => assert.ok(existsSync(stableFile(victim, ns(), n)))), { timeoutMs: 20_000 });
    await victim.process.stop();
    await client.delete({ ...PROFILE_RESOURCE, namespace: ns(), name: "dropped" });
    writeFileSync(stableFile(victim, ns(), "kept"), "{}\n");
    agents[1] = await startAgent(cp(), { nodeName: victim.nodeName, kubeletDir: victim.kubeletDir });
    // Ready means the first full pass is done: the folder is converged by then.
    assert.equal(readIfExists(stableFile(victim, ns(), "kept")), kept.json);
    assert.equal(existsSync(stableFile(victim, ns(), "dropped")), false);
  });
});
