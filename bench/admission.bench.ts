// Admission review cost, in-process: the webhook's decision (planWorkload through the profile
// gate) for an annotated Deployment of 3 containers whose profile extends a catalogue base, with
// 1,000 node reports, once with the compile memoized (the usual case: the profile did not change)
// and once with a fresh compile per review; then the same reviews through the HTTPS server on
// loopback, as the API server sends them (one keep-alive connection). Last, the real controller
// process (against a real API server) under a flood: 60 connections sending 7 MiB bodies slowly
// and 4 sending them whole, with its resident memory and /healthz latency (BENCH_FLOOD=0 skips it).
import { request, Agent } from "node:https";
import { performance } from "node:perf_hooks";
import { PROFILE_ANNOTATION } from "../src/api/names.js";
import type { SeccompNodeStatus } from "../src/api/node-status.js";
import type { SeccompProfile } from "../src/api/seccomp-profile.js";
import { mutateProfiles } from "../src/controller/admission/profile-mutation.js";
import { DigestSalt } from "../src/api/digest-salt.js";
import { InstallDigest } from "../src/api/install-digest.js";
import { ProfileCompiles } from "../src/controller/profiles/profile-compiles.js";
import { ProfileGate } from "../src/controller/profiles/profile-gate.js";
import { ProfileHashes } from "../src/controller/profiles/profile-hashes.js";
import { admissionResponse, type AdmissionRequest } from "../src/kube/admission-review.js";
import { createLogger } from "../src/kube/logger.js";
import { createCertificateAuthority, issueServingCertificate } from "../src/kube/x509-certificates.js";
import { MAX_BODY_BYTES, WebhookServer } from "../src/kube/webhook-server.js";
import { longestWait, startFlood } from "../test/harness/admission-flood.js";
import { startController } from "../test/harness/agents.js";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { freePorts } from "../test/harness/ports.js";
import { rssMiB, settledRssMiB } from "./process-memory.js";

const SALT = DigestSalt.random();
const NODES = Number(process.env.BENCH_NODES ?? 1_000);
const REVIEWS = Number(process.env.BENCH_REVIEWS ?? 2_000);

const profiles = new Map<string, SeccompProfile>();
const added: ((p: SeccompProfile) => void)[] = [];
// The profile cache as the informer shows it: objects by key, and an add event for each new one.
const cache = { get: (k: string) => profiles.get(k), addHandler: (h: { onAdd?: (p: SeccompProfile) => void }) => void (h.onAdd && added.push(h.onAdd)) } as unknown as ConstructorParameters<typeof ProfileHashes>[0];
const compiles = new ProfileCompiles({ profiles: cache, catalogueNamespace: "seccomp-catalogue" });
const hashes = new ProfileHashes(cache, compiles, SALT);
const put = (namespace: string, name: string, rv: string, spec: object) => {
  const object = { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { namespace, name, resourceVersion: rv }, spec } as SeccompProfile;
  profiles.set(`${namespace}/${name}`, object);
  for (const onAdd of added) onAdd(object);
};
const syscalls = ["exit", "exit_group", "rt_sigreturn", "read", "write", "openat", "close", "mmap", "munmap", "futex", "epoll_wait", "accept4"];
put("seccomp-catalogue", "base", "1", { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: syscalls, action: "SCMP_ACT_ALLOW" }] });
put("shop", "web", "1", { defaultAction: "SCMP_ACT_ERRNO", baseProfileName: "base", syscalls: [{ names: ["sendto", "recvfrom"], action: "SCMP_ACT_ALLOW" }] });

const statuses: SeccompNodeStatus[] = [];
const gate = new ProfileGate({ profiles: cache, hashes, compiles, nodeStatuses: { list: () => statuses }, heartbeatAge: () => 0, catalogueNamespace: "seccomp-catalogue", staleAfterMs: 90_000 });
const compiled = gate.compile(profiles.get("shop/web")!);
if (!compiled.ok) throw new Error("bench profile does not compile");
const digest = new InstallDigest();
digest.toggle(SALT.bucketOf("shop/web"), "shop/web", compiled.value.rendered.hash);
for (let i = 0; i < NODES; i++) {
  statuses.push({ metadata: { name: `node-${i}` }, status: { heartbeatTime: new Date().toISOString(), installed: { saltId: SALT.id, count: 1, digests: digest.encode() } } } as unknown as SeccompNodeStatus);
}

const review = (uid: string): AdmissionRequest => ({
  uid,
  kind: { group: "apps", version: "v1", kind: "Deployment" },
  operation: "CREATE",
  namespace: "shop",
  object: {
    metadata: { name: "web", annotations: { [PROFILE_ANNOTATION]: "web" } },
    spec: { template: { spec: { containers: ["app", "proxy", "metrics"].map((name) => ({ name, image: "x", securityContext: { allowPrivilegeEscalation: false } })) } } },
  },
});

function timed(label: string, each: (i: number) => void): void {
  const samples: number[] = [];
  for (let i = 0; i < REVIEWS; i++) {
    const t = performance.now();
    each(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  console.log(`${label}: p50 ${(at(0.5) * 1000).toFixed(0)} µs, p99 ${(at(0.99) * 1000).toFixed(0)} µs (${REVIEWS} reviews, ${NODES} node reports)`);
}

console.log(`admission bench: node ${process.version}`);
const check = mutateProfiles(review("check"), gate.lookup);
if (check?.outcome !== "mutated") throw new Error(`expected a mutation, got ${check?.outcome}`);
timed("decision, compile memoized", (i) => mutateProfiles(review(`m${i}`), gate.lookup));
timed("decision, fresh compile each time", (i) => {
  put("shop", "web", `v${i + 2}`, profiles.get("shop/web")!.spec as object);
  mutateProfiles(review(`c${i}`), gate.lookup);
});

const ca = createCertificateAuthority("bench-ca", 3_600_000);
const serving = issueServingCertificate(ca, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }, 3_600_000);
const server = await WebhookServer.start({
  host: "127.0.0.1",
  port: 0,
  certificate: serving,
  handlers: { "/mutate-workloads": (r) => { const m = mutateProfiles(r, gate.lookup)!; return admissionResponse(r.uid, m.patch, m.warnings); } },
  logger: createLogger("bench", "silent"),
});
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert });
const post = (body: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/mutate-workloads", method: "POST", agent, headers: { "Content-Type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
const samples: number[] = [];
for (let i = 0; i < REVIEWS; i++) {
  const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: review(`h${i}`) });
  const t = performance.now();
  await post(body);
  samples.push(performance.now() - t);
}
samples.sort((a, b) => a - b);
console.log(`HTTPS round trip on loopback: p50 ${(samples[Math.floor(samples.length / 2)]! * 1000).toFixed(0)} µs, p99 ${(samples[Math.floor(samples.length * 0.99)]! * 1000).toFixed(0)} µs`);
agent.destroy();
await server.close();

if (process.env.BENCH_FLOOD !== "0") {
  const seconds = Number(process.env.BENCH_FLOOD_SECONDS ?? 30);
  const cp = await ControlPlane.start();
  try {
    await installCrds(cp.kubeConfig());
    const [port] = await freePorts(1);
    const controller = await startController(cp, {
      identity: "admission-flood-bench",
      extraArgs: [`--webhook-addr=127.0.0.1:${port}`, `--webhook-url=https://127.0.0.1:${port}`, "--webhook-config=admission-flood-bench", "--operator-namespace=default"],
    });
    const pid = controller.process.pid;
    const before = await settledRssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
    const flood = startFlood({ port: port!, slow: 60, whole: 4, bodyBytes: MAX_BODY_BYTES, slowRate: 384 * 1024 });
    const health = await longestWait(`http://127.0.0.1:${controller.healthPort}/healthz`, new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
    const result = await flood.stop();
    clearInterval(sampler);
    const after = await settledRssMiB(pid);
    console.log(`flood of the controller's webhook (${seconds} s, 60 slow + 4 whole ${MAX_BODY_BYTES >> 20} MiB bodies, ${result.connections} connections, answers ${JSON.stringify(result.answers)}):`);
    console.log(`  RSS before ${before.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, after ${after.toFixed(0)} MiB; /healthz at most ${health.maxMs.toFixed(0)} ms, ${health.failures} failed`);
    await controller.process.stop();
  } finally {
    await cp.stop();
  }
}
