// What counting seccomp_containers costs the controller (every pod of its cache, as they arrive;
// a scrape then reads the counts), and what `report` spends on its own work once the pods are read, for 10,000 pods of three
// containers each, on the compiled code that ships.
import { performance } from "node:perf_hooks";
import { podSeccompShape } from "../dist/api/pod-seccomp.js";
import { buildReport, formatReportTable } from "../dist/cli/cluster-report.js";
import { ContainerCounts } from "../dist/controller/pods/seccomp-containers-metric.js";

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const hash = "3f5c0e1a".repeat(8);
const pods = Array.from({ length: PODS }, (_, i) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: `web-${i}`, namespace: `ns-${i % 100}`, uid: `uid-${i}`, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `web-${i % 500}`, uid: `rs-${i % 500}`, controller: true }] },
  status: { phase: "Running" },
  spec: {
    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
    initContainers: [{ name: "setup", image: "x" }],
    containers: [
      { name: "app", image: "x", securityContext: { allowPrivilegeEscalation: false, seccompProfile: { type: "Localhost", localhostProfile: `operator/ns-${i % 100}/web/${hash}.json` } } },
      { name: "sidecar", image: "y", securityContext: i % 10 === 0 ? { privileged: true } : {} },
    ],
  },
}));
const shaped = pods.map(podSeccompShape);
const owners = new Map(Array.from({ length: 500 }, (_, i) => [`rs-${i}`, { kind: "Deployment", name: `web-${i}` }]));

function measure(name, runs, fn) {
  fn(); // warm-up
  const start = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - start) / runs;
  console.log(`${name.padEnd(56)} ${ms.toFixed(1).padStart(7)} ms`);
}

console.log(`${PODS} pods, ${PODS * 3} containers`);
measure("seccomp_containers: counting every pod of the cache", 20, () => {
  const counts = new ContainerCounts();
  for (const pod of shaped) counts.count(pod, 1);
});
measure("report: classify, group, check currency", 5, () => buildReport({ pods, owners, profiles: () => ({ hash }) }));
measure("report: the same and format the table", 5, () => formatReportTable(buildReport({ pods, owners, profiles: () => ({ hash }) })));
