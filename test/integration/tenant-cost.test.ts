import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { API_VERSION, PROFILE_KIND } from "../../src/api/names.js";
import { MAX_TOTAL_NAMES } from "../../src/api/profile-spec.js";
import type { ProfileStatus } from "../../src/api/profile-status.js";
import { NODE_STATUS_RESOURCE, PROFILE_RESOURCE } from "../../src/api/resources.js";
import { ApiError } from "../../src/kube/api-error.js";
import type { KubeObject } from "../../src/kube/objects.js";
import { RestClient } from "../../src/kube/rest-client.js";
import { startAgent, startController, stableFile, type AgentProcess, type ControllerProcess } from "../harness/agents.js";
import { installCrds } from "../harness/crds.js";
import { eventually } from "../harness/eventually.js";
import { createNamespace } from "../harness/namespaces.js";
import { useControlPlane } from "../harness/shared.js";

/** Names that are no syscall, of `length` characters. */
const unknownNames = (count: number, offset: number, length: number) => Array.from({ length: count }, (_, i) => `zz${(i + offset).toString(36)}_`.padEnd(length, "q"));
const hostile = (rules: number, perRule: number, length = 64) => ({
  defaultAction: "SCMP_ACT_ERRNO",
  syscalls: Array.from({ length: rules }, (_, k) => ({ names: unknownNames(perRule, k * perRule, length), action: "SCMP_ACT_ALLOW" })),
});

/** Asks /healthz every 10 ms; prints each answer's time in ms when told to stop. Exits non-zero on an answer other than 200. */
const PROBER = `
const url = process.argv[1];
const times = [];
let stop = false;
process.on("SIGTERM", () => (stop = true));
(async () => {
  while (!stop) {
    const t = performance.now();
    const r = await fetch(url);
    await r.text();
    if (r.status !== 200) process.exit(2);
    times.push(Math.round(performance.now() - t));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.stdout.write(times.join("\\n") + "\\n");
})();
`;

/** Starts probing `url` from another process; `stop` returns each answer's time in ms. */
function probe(url: string): { stop: () => Promise<number[]> } {
  const prober = spawn(process.execPath, ["-e", PROBER, url], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  prober.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => prober.on("exit", resolve));
  return {
    stop: async () => {
      prober.kill("SIGTERM");
      await exited;
      return output.trim().split("\n").map(Number);
    },
  };
}

describe("one tenant's costly profiles", function () {
  this.timeout(300_000);
  const cp = useControlPlane();
  let client: RestClient;
  let agent: AgentProcess;
  let controller: ControllerProcess;
  let flood: string;
  let quiet: string;
  const node = "tenant-cost-node";

  before(async function () {
    await installCrds(cp().kubeConfig());
    client = new RestClient(cp().kubeConfig());
    flood = await createNamespace(cp(), "tenant cost flood");
    quiet = await createNamespace(cp(), "tenant cost quiet");
    agent = await startAgent(cp(), { nodeName: node });
    controller = await startController(cp(), { identity: "tenant-cost-controller" });
  });

  after(async () => {
    await controller?.process.stop();
    await agent?.process.stop();
    await client.delete({ ...NODE_STATUS_RESOURCE, name: node }).catch(() => undefined);
  });

  const create = (namespace: string, name: string, spec: object) =>
    client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec } as KubeObject);

  it("the API server refuses a profile of 60,000 names, naming the field and the limit", async () => {
    const error = await create(flood, "sixty-thousand", hostile(59, 1017, 12)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, 422);
    assert.match(error.message, new RegExp(`spec.syscalls: Invalid value: .*at most ${MAX_TOTAL_NAMES} syscalls`));
  });

  it("the agent and the controller answer /healthz within 100 ms while they check the costliest profiles the API server accepts, and another namespace's profile is installed within a second", async () => {
    // Probed from processes of their own, so the test's own work does not delay the answers it times.
    const probes = { agent: probe(`http://127.0.0.1:${agent.healthPort}/healthz`), controller: probe(`http://127.0.0.1:${controller.healthPort}/healthz`) };
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 40 profiles of 4,096 unknown names each: the most the schema lets one profile name.
    for (let i = 0; i < 40; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => create(flood, `hostile-${i + j}`, hostile(4, MAX_TOTAL_NAMES / 4))));
    const created = Date.now();
    await create(quiet, "web", { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["exit", "exit_group", "read"], action: "SCMP_ACT_ALLOW" }] });
    await eventually(() => assert.ok(existsSync(stableFile(agent, quiet, "web"))), { timeoutMs: 30_000, intervalMs: 20 });
    const latency = Date.now() - created;
    // Every hostile profile has been looked at, by the agent and by the controller: each is reported, capped.
    await eventually(async () => {
      const status = (await client.get<KubeObject & { status?: { failures?: { profile: string; reason: string }[]; failuresOmitted?: number } }>({ ...NODE_STATUS_RESOURCE, name: node })).status;
      assert.equal((status?.failures?.filter((f) => f.profile.startsWith(`${flood}/hostile-`)).length ?? 0) + (status?.failuresOmitted ?? 0), 40);
      assert.ok(status?.failures?.every((f) => f.reason.length <= 1024));
    }, { timeoutMs: 60_000 });
    await eventually(async () => {
      for (let i = 0; i < 40; i++) {
        const p = await client.get<KubeObject & { status?: ProfileStatus }>({ ...PROFILE_RESOURCE, namespace: flood, name: `hostile-${i}` });
        assert.match(p.status?.conditions?.find((c) => c.type === "Valid")?.message ?? "", /is not a syscall .*\(and \d+ more\)/, `hostile-${i}`);
      }
    }, { timeoutMs: 60_000 });
    for (const [who, running] of Object.entries(probes)) {
      const times = await running.stop();
      const slowest = Math.max(...times);
      console.error(`      ${who}: ${times.length} probes, slowest /healthz ${slowest} ms`);
      assert.ok(times.length > 50, `${who}: ${times.length} probes`);
      assert.ok(slowest < 100, `${who}: slowest /healthz answer took ${slowest} ms`);
    }
    console.error(`      the other namespace's profile on the node after ${latency} ms`);
    assert.ok(latency < 1000, `the other namespace's profile took ${latency} ms`);
  });

  it("the controller compiles each costly profile once per change of its spec, not on its status writes, metadata changes or the nodes' reports", async () => {
    const metrics = async () => {
      const text = await (await fetch(`http://127.0.0.1:${controller.healthPort}/metrics`)).text();
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
      return { compiles: value(/^seccomp_controller_profile_compiles_total (\d+)$/m), completed: value(/^workqueue_completed_total\{name="profiles"\} (\d+)$/m), depth: value(/^workqueue_depth\{name="profiles"\} (\d+)$/m) };
    };
    // Quiet first: the earlier test's reconciles and status writes have run their course.
    let before = await metrics();
    await eventually(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const now = await metrics();
      const settled = now.compiles === before.compiles && now.completed === before.completed && now.depth === 0;
      before = now;
      assert.ok(settled, "the profile queue is idle");
    }, { timeoutMs: 60_000 });
    assert.ok(before.compiles >= 41, `${before.compiles} compiles so far`);
    // A label on each: a new resourceVersion, the same generation. Every one is reconciled again.
    for (let i = 0; i < 40; i++) await client.mergePatch({ ...PROFILE_RESOURCE, namespace: flood, name: `hostile-${i}` }, { metadata: { labels: { touched: "yes" } } });
    await eventually(async () => {
      const now = await metrics();
      assert.ok(now.completed >= before.completed + 40 && now.depth === 0, `${now.completed - before.completed} reconciles`);
    }, { timeoutMs: 60_000 });
    assert.equal((await metrics()).compiles, before.compiles, "no compile for a change that leaves the spec alone");
    // A change of one spec: compiled once, and its status says so.
    await client.mergePatch({ ...PROFILE_RESOURCE, namespace: flood, name: "hostile-0" }, { spec: hostile(2, 100) });
    await eventually(async () => {
      const p = await client.get<KubeObject & { metadata: { generation?: number }; status?: ProfileStatus }>({ ...PROFILE_RESOURCE, namespace: flood, name: "hostile-0" });
      const valid = p.status?.conditions?.find((c) => c.type === "Valid");
      assert.equal(valid?.observedGeneration, p.metadata.generation);
      assert.match(valid?.message ?? "", /\(and \d+ more\)/);
    }, { timeoutMs: 30_000 });
    assert.equal((await metrics()).compiles, before.compiles + 1);
  });
});
