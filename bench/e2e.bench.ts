// Real-node figures (npm run bench:e2e, Linux and root): the image build (base
// and Dockerfile) and its size, the node's start-up to Ready, the operator's
// install, and, over N rollouts (BENCH_ROLLOUTS, default 20), the time from
// applying an annotated Deployment to its new pod Running and Ready under the
// profile's pinned file. A benchmark that prints figures, not a test.
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import {
  BUSYBOX_IMAGE_ARCHIVE,
  E2eCluster,
  OPERATOR_IMAGE_ARCHIVE,
  PAUSE_IMAGE_ARCHIVE,
  ensureImages,
} from "../test/harness/e2e-cluster.js";
import { repoRoot } from "../test/harness/binaries.js";
import { RealNode, realNodeUnavailable } from "../test/harness/real-node.js";
import { waitUntil } from "../test/harness/readiness.js";
import { containerProfile, deploymentManifest, probeProfileSpec, profileManifest } from "../test/e2e/helpers.js";

const run = promisify(execFile);
const rollouts = Number(process.env.BENCH_ROLLOUTS ?? 20);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed(what: string, command: string, args: string[]): Promise<number> {
  const t = performance.now();
  await run(command, args, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`${what}: ${err.stderr ?? err.message}`);
  });
  return performance.now() - t;
}

async function main(): Promise<void> {
  const unavailable = realNodeUnavailable();
  if (unavailable) throw new Error(`bench:e2e needs a real node: ${unavailable}`);

  const baseMs = await timed("base image", "bash", [join(repoRoot, "hack/image/base.sh"), "--force"]);
  const imageMs = await timed("operator image", "bash", [join(repoRoot, "hack/image/build.sh")]);
  await ensureImages(() => {});
  const { stdout: sizes } = await run("bash", ["-c", `source hack/image/common.sh && for i in localhost/seccomp-operator:dev docker.io/library/node:24-bookworm-slim; do bah images --format '{{.Name}}:{{.Tag}} {{.Size}}' $i; done`], { cwd: repoRoot });
  console.log(`image: base (Debian packages + Node.js, forced rebuild) ${s(baseMs)}; npm run image (Dockerfile on the cached base) ${s(imageMs)}`);
  console.log(`image: archive ${(statSync(OPERATOR_IMAGE_ARCHIVE).size / 1024 / 1024).toFixed(0)} MiB; uncompressed: ${sizes.trim().split("\n").join(", ")}`);

  const node = await RealNode.start({ images: [PAUSE_IMAGE_ARCHIVE, BUSYBOX_IMAGE_ARCHIVE, OPERATOR_IMAGE_ARCHIVE] });
  try {
    const t = node.timings;
    console.log(
      `node: Ready ${s(t.kubelet!)} after the kubelet starts; ${s((t.sandbox ?? 0) + Math.max(t["control plane"] ?? 0, t["containerd and images"] ?? 0) + (t.kubelet ?? 0))} from nothing ` +
        `(namespaces ${s(t.sandbox!)}, control plane ${s(t["control plane"]!)} alongside containerd + image import ${s(t["containerd and images"]!)}); with kube-proxy ${s(t.total!)}`,
    );
    const cluster = new E2eCluster(node);
    const ti = performance.now();
    await cluster.install();
    console.log(`install: dist/install.yaml + samples -> agent Ready, controller rolled onto its own profile: ${s(performance.now() - ti)}`);

    const core = node.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = (await core.createNamespace({ body: { metadata: { generateName: "bench-e2e-" } } })).metadata!.name!;
    await waitUntil(async () => !!(await core.readNamespacedServiceAccount({ name: "default", namespace })), { what: "service account", timeoutMs: 30_000 });
    await cluster.applier.apply(profileManifest(namespace, "probe", probeProfileSpec(13, "bench")));
    const profile = await cluster.waitForProfileReady(namespace, "probe");
    const pinned = `operator/${namespace}/probe/${profile.status!.hash}.json`;
    const times: number[] = [];
    for (let i = 0; i < rollouts; i++) {
      const name = `bench-${i}`;
      const t0 = performance.now();
      await cluster.applier.apply(deploymentManifest(namespace, name, "probe"));
      await waitUntil(
        async () =>
          (await cluster.pods(namespace, `app=${name}`)).some(
            (p) => !p.metadata?.deletionTimestamp && containerProfile(p) === pinned && p.status?.containerStatuses?.[0]?.ready,
          ),
        { what: `${name}'s pod Running under ${pinned}`, timeoutMs: 120_000, intervalMs: 50 },
      );
      times.push(performance.now() - t0);
      await cluster.applier.delete(deploymentManifest(namespace, name, "probe"));
    }
    times.sort((a, b) => a - b);
    console.log(
      `rollout: apply of an annotated Deployment -> its new pod Running and Ready under the pinned profile, ${rollouts} rollouts: ` +
        `p50 ${s(percentile(times, 50))}, p99 ${s(percentile(times, 99))} (min ${s(times[0]!)})`,
    );
  } finally {
    await node.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
