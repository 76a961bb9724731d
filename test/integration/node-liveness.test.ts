// Whether the controller counts a node agent as alive, against a real API server, agents and
// controller: by the monotonic clock, so a step of the wall clock (NTP) neither keeps a dead
// agent counted nor makes live ones look dead; and from the controller's start.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import { NODE_STATUS_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { startAgent, startController, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";
import { prepareWorkloadCluster } from "../harness/workload-cluster.js";

const CLOCK_STEP = join(import.meta.dirname, "..", "harness", "clock-step.mjs");
const SPEC = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read"], action: "SCMP_ACT_ALLOW" }] };

type Profile = KubeObject & { status?: ProfileStatus };

describe("node liveness", function () {
  this.timeout(180_000);
  const cp = useControlPlane();
  let client: RestClient;
  let agent: AgentProcess | undefined;
  let controller: ControllerProcess | undefined;

  before(async function () {
    await prepareWorkloadCluster(cp(), ["clock-node-a", "clock-node-b", "early-node"]);
    client = new RestClient(cp().kubeConfig());
    // Statuses other suites left would count as live for --agent-timeout after the controller starts.
    const statuses = await eventually(() => client.list(NODE_STATUS_RESOURCE));
    for (const s of statuses.items) await client.delete({ ...NODE_STATUS_RESOURCE, name: s.metadata!.name! });
  });

  afterEach(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    // Its status would count as live for --agent-timeout after the next controller starts.
    if (agent !== undefined) await client.delete({ ...NODE_STATUS_RESOURCE, name: agent.nodeName }).catch(() => undefined);
    controller = agent = undefined;
  });

  after(async () => {
    for (const name of ["clock-node-a", "clock-node-b", "early-node"]) await client.delete({ ...NODE_STATUS_RESOURCE, name }).catch(() => undefined);
  });

  /** A controller whose wall clock jumps by `stepMs` once `step()` is called. */
  async function steppingController(identity: string, stepMs: number, agentTimeoutSeconds: number): Promise<() => void> {
    const file = join(cp().dir, `${identity}.step`);
    rmSync(file, { force: true });
    controller = await startController(cp(), {
      identity,
      nodeArgs: [`--import=${CLOCK_STEP}`],
      env: { CLOCK_STEP_FILE: file, CLOCK_STEP_MS: String(stepMs) },
      extraArgs: [`--agent-timeout=${agentTimeoutSeconds}`],
    });
    return () => writeFileSync(file, "");
  }

  const apply = (ns: string, name: string) =>
    client.apply({ ...PROFILE_RESOURCE, namespace: ns, name }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace: ns }, spec: SPEC }, { fieldManager: "clock-test", force: true });
  const nodesOf = async (ns: string, name: string) => (await client.get<Profile>({ ...PROFILE_RESOURCE, namespace: ns, name })).status?.nodes;

  it("an agent that stops right after the controller started goes stale after --agent-timeout", async () => {
    const ns = await createNamespace(cp(), "liveness-early");
    agent = await startAgent(cp(), { nodeName: "early-node" });
    controller = await startController(cp(), { identity: "liveness-early", extraArgs: ["--agent-timeout=6"] });
    await apply(ns, "before");
    await eventually(async () => assert.deepEqual((await nodesOf(ns, "before"))?.summary, "1/1"), { timeoutMs: 30_000 });
    // Before the leader's first liveness check (10 s after it started).
    await agent.process.stop();
    await eventually(async () => {
      const nodes = await nodesOf(ns, "before");
      assert.ok(nodes?.stale?.includes("early-node"), JSON.stringify(nodes));
    }, { timeoutMs: 30_000, intervalMs: 500 });
  });

  it("an agent that stops after the clock stepped back an hour goes stale after --agent-timeout", async () => {
    const ns = await createNamespace(cp(), "clock-back");
    agent = await startAgent(cp(), { nodeName: "clock-node-a" });
    const step = await steppingController("clock-back", -3_600_000, 6);
    await apply(ns, "before");
    await eventually(async () => assert.deepEqual((await nodesOf(ns, "before"))?.summary, "1/1"), { timeoutMs: 30_000 });
    // Past the leader's first liveness check: only the clock is in question.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    await agent.process.stop();
    step();
    await apply(ns, "after");
    await eventually(async () => {
      const nodes = await nodesOf(ns, "after");
      assert.ok(nodes?.stale?.includes("clock-node-a"), JSON.stringify(nodes));
    }, { timeoutMs: 40_000, intervalMs: 500 });
  });

  it("live agents stay counted when the clock steps forward an hour", async () => {
    const ns = await createNamespace(cp(), "clock-forward");
    // Heartbeats a minute apart (timeout 90 s, as by default): none comes to hide the step.
    agent = await startAgent(cp(), { nodeName: "clock-node-b", extraArgs: ["--heartbeat=60"] });
    const step = await steppingController("clock-forward", 3_600_000, 90);
    await apply(ns, "before");
    await eventually(async () => assert.deepEqual((await nodesOf(ns, "before"))?.summary, "1/1"), { timeoutMs: 30_000 });
    step();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await apply(ns, "after");
    const nodes = await eventually(
      async () => {
        const nodes = await nodesOf(ns, "after");
        assert.equal(nodes?.summary, "1/1", JSON.stringify(nodes));
        return nodes;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    assert.deepEqual(nodes?.stale ?? [], []);
    // The leader's liveness check (every 10 s) agrees: nothing went stale meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const before = await nodesOf(ns, "before");
    assert.equal(before?.summary, "1/1", JSON.stringify(before));
    assert.deepEqual(before?.stale ?? [], []);
  });
});
