// Node agent figures on a real control plane: time from creating a SeccompProfile to its file
// being present on every node (p50, p99) with 10 and 50 agents, and agent memory with 1,000
// profiles. Agents are real processes, one per simulated node.
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { API_VERSION, PROFILE_KIND } from "../src/api/names.js";
import { PROFILE_RESOURCE } from "../src/api/resources.js";
import { RestClient } from "../src/kube/rest-client.js";
import { startAgent, stableFile, type AgentProcess } from "../test/harness/agents.js";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { createNamespace } from "../test/harness/namespaces.js";

const counts = (process.env.BENCH_AGENTS ?? "10,50").split(",").map(Number);
const samples = Number(process.env.BENCH_SAMPLES ?? 40);
// The test harness makes agents report and collect every second or two; the bench runs them as deployed.
const PRODUCTION_ARGS = ["--heartbeat=30", "--gc-interval=30", "--gc-grace=600"];
const memoryProfiles = Number(process.env.BENCH_MEMORY_PROFILES ?? 1000);

const spec = (i: number) => ({
  defaultAction: "SCMP_ACT_ERRNO",
  architectures: ["SCMP_ARCH_X86_64"],
  syscalls: [{ names: ["exit", "exit_group", "rt_sigreturn", "read", "write", ...(i % 2 ? ["openat"] : [])], action: "SCMP_ACT_ALLOW" }],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function latency(cp: ControlPlane, client: RestClient, agentCount: number): Promise<void> {
  const namespace = await createNamespace(cp, `bench-${agentCount}`);
  const agents: AgentProcess[] = [];
  for (let i = 0; i < agentCount; i += 10) {
    agents.push(...(await Promise.all(Array.from({ length: Math.min(10, agentCount - i) }, (_, j) => startAgent(cp, { nodeName: `bench-node-${agentCount}-${i + j}`, extraArgs: PRODUCTION_ARGS })))));
  }
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const name = `p${i}`;
    const paths = agents.map((a) => stableFile(a, namespace, name));
    const start = performance.now();
    await client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name, namespace }, spec: spec(i) });
    const pending = new Set(paths);
    while (pending.size > 0) {
      for (const p of pending) if (existsSync(p)) pending.delete(p);
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 2));
      if (performance.now() - start > 30_000) throw new Error(`${name} not on every node after 30 s`);
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const rss = agents.map((a) => rssMiB(a.process.pid)).sort((a, b) => a - b);
  console.log(
    `${String(agentCount).padStart(3)} agents: create -> file on every node  p50 ${percentile(times, 50).toFixed(0)} ms  p99 ${percentile(times, 99).toFixed(0)} ms  max ${times.at(-1)!.toFixed(0)} ms  (${samples} profiles; agent RSS median ${percentile(rss, 50).toFixed(0)} MiB)`,
  );
  await Promise.all(agents.map((a) => a.process.stop()));
}

async function memory(cp: ControlPlane, client: RestClient): Promise<void> {
  const namespace = await createNamespace(cp, "bench-memory");
  const agent = await startAgent(cp, { nodeName: "bench-memory-node", extraArgs: PRODUCTION_ARGS });
  const before = rssMiB(agent.process.pid);
  for (let i = 0; i < memoryProfiles; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, memoryProfiles - i) }, (_, j) =>
        client.create({ ...PROFILE_RESOURCE, namespace }, { apiVersion: API_VERSION, kind: PROFILE_KIND, metadata: { name: `m${i + j}`, namespace }, spec: spec(i + j) }),
      ),
    );
  }
  const last = stableFile(agent, namespace, `m${memoryProfiles - 1}`);
  while (!existsSync(last)) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let GC and the status write settle
  console.log(`agent memory: RSS ${before.toFixed(0)} MiB idle, ${rssMiB(agent.process.pid).toFixed(0)} MiB with ${memoryProfiles} profiles installed`);
  await agent.process.stop();
}

const cp = await ControlPlane.start();
try {
  await installCrds(cp.kubeConfig());
  const client = new RestClient(cp.kubeConfig());
  console.log(`agent bench: node ${process.version}, ${samples} profiles created one by one per run`);
  for (const count of counts) await latency(cp, client, count);
  await memory(cp, client);
} finally {
  await cp.stop();
}
