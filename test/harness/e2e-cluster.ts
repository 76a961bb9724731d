// The end-to-end tests' cluster: a real node (real-node.ts) with the operator
// installed from dist/install.yaml through test/e2e/overlay (image reference
// and pull policy only), the sample catalogue and the operator's own profile.
// Started once per test run, on first use; stopped by test/e2e/setup.ts.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { kustomizeCommand } from "../../hack/generate-install.js";
import { Applier, parseManifests, type Manifest } from "./apply.js";
import { repoRoot } from "./binaries.js";
import { RealNode, realNodeUnavailable } from "./real-node.js";
import { waitUntil } from "./readiness.js";

export const OPERATOR_NAMESPACE = "seccomp-operator-system";
export const CATALOGUE_NAMESPACE = "seccomp-catalogue";
export const OPERATOR_IMAGE_ARCHIVE = join(repoRoot, "build", "seccomp-operator.oci.tar");
export const PAUSE_IMAGE_ARCHIVE = join(repoRoot, "build", "pause.oci.tar");
export const BUSYBOX_IMAGE_ARCHIVE = join(repoRoot, "build", "busybox.oci.tar");
export const BUSYBOX_IMAGE = "localhost/busybox:e2e";
export const OVERLAY_DIR = join(repoRoot, "test", "e2e", "overlay");
const FIELD_MANAGER = "seccomp-operator-e2e";

/** CI (CI=true) or SECCOMP_E2E=required: a machine that cannot run the real node fails instead of skipping. */
export function e2eRequired(): boolean {
  return process.env.CI === "true" || process.env.SECCOMP_E2E === "required";
}

function run(command: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Progress (the image build) goes to our stderr.
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} (${command} ${args.join(" ")}) exited with ${code}`))));
  });
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, s.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/** Builds the operator image when its archive is older than what goes into it, and the test images when missing. */
export async function ensureImages(log: (m: string) => void): Promise<number | undefined> {
  const inputs = ["Dockerfile", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src"].map((p) => join(repoRoot, p));
  let imageMs: number | undefined;
  if (!existsSync(OPERATOR_IMAGE_ARCHIVE) || statSync(OPERATOR_IMAGE_ARCHIVE).mtimeMs < newestMtime(inputs)) {
    log("building the operator image (npm run image)");
    const t = Date.now();
    await run("bash", [join(repoRoot, "hack", "image", "build.sh")], "the image build");
    imageMs = Date.now() - t;
  }
  await run("bash", [join(repoRoot, "hack", "image", "test-images.sh")], "the test images' build");
  return imageMs;
}

/** dist/install.yaml through the test overlay, or another kustomization (the recorder's). */
export async function renderOverlay(dir = OVERLAY_DIR): Promise<Manifest[]> {
  const { command, args } = kustomizeCommand();
  const text = await run(command, [...args, "--load-restrictor", "LoadRestrictionsNone", dir], "kustomize");
  return parseManifests(text, dir);
}

export function sampleManifests(): Manifest[] {
  const dir = join(repoRoot, "config", "samples");
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseManifests(readFileSync(join(dir, f), "utf8"), join(dir, f)));
}

/** One line per pod: phase, and each container's state with reason and message. */
export function describePods(pods: V1Pod[]): string {
  if (pods.length === 0) return "(no pods)";
  return pods
    .map((p) => {
      const containers = (p.status?.containerStatuses ?? []).map((c) => {
        const state = c.state?.waiting
          ? `waiting ${c.state.waiting.reason}: ${c.state.waiting.message ?? ""}`
          : c.state?.terminated
            ? `terminated ${c.state.terminated.reason} (exit ${c.state.terminated.exitCode}): ${c.state.terminated.message ?? ""}`
            : c.state?.running
              ? `running${c.ready ? ", ready" : ", not ready"}`
              : "unknown";
        return `${c.name} ${state} (restarts ${c.restartCount})`;
      });
      return `${p.metadata?.name} ${p.status?.phase}${p.metadata?.deletionTimestamp ? " (terminating)" : ""}: ${containers.join("; ") || p.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.message ?? ""}`).join(", ")}`;
    })
    .join("\n");
}

export class E2eCluster {
  readonly timings: Record<string, number> = {};
  readonly applier: Applier;

  constructor(readonly node: RealNode) {
    this.applier = new Applier(node.kubeConfig(), FIELD_MANAGER);
  }

  kubeConfig(): KubeConfig {
    return this.node.kubeConfig();
  }

  core(): CoreV1Api {
    return this.kubeConfig().makeApiClient(CoreV1Api);
  }

  apps(): AppsV1Api {
    return this.kubeConfig().makeApiClient(AppsV1Api);
  }

  custom(): CustomObjectsApi {
    return this.kubeConfig().makeApiClient(CustomObjectsApi);
  }

  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core().listNamespacedPod({ namespace, labelSelector })).items;
  }

  /** Installs the operator and waits until it runs confined by its own profile. */
  async install(): Promise<void> {
    const objects = await renderOverlay();
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    for (const crd of crds) await this.applier.apply(crd);
    await waitUntil(
      async () => {
        for (const crd of crds) {
          const res = await this.custom().getClusterCustomObject({
            group: "apiextensions.k8s.io",
            version: "v1",
            plural: "customresourcedefinitions",
            name: crd.metadata.name,
          });
          const conditions = (res as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
          if (!conditions.some((c) => c.type === "Established" && c.status === "True")) return false;
        }
        return true;
      },
      { what: "the operator's CRDs Established", timeoutMs: 30_000 },
    );
    for (const obj of objects.filter((o) => o.kind !== "CustomResourceDefinition")) await this.applier.apply(obj);
    // The sample catalogue, and the operator's own profile, which the
    // controller then applies to itself.
    for (const obj of sampleManifests()) await this.applier.apply(obj);
    await this.waitForAgent(120_000);
    await this.waitForProfileReady(OPERATOR_NAMESPACE, "seccomp-operator", 120_000);
    await this.waitForControllerConfined(240_000);
  }

  async waitForAgent(timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        const ds = await this.apps().readNamespacedDaemonSet({ namespace: OPERATOR_NAMESPACE, name: "seccomp-operator-agent" });
        const s = ds.status;
        return !!s && s.numberReady === 1 && s.updatedNumberScheduled === 1 && (s.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0);
      },
      { what: "the agent DaemonSet ready on the node", timeoutMs, intervalMs: 500 },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\nagent pods:\n${describePods(await this.pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=agent"))}`);
    });
  }

  async profile(namespace: string, name: string): Promise<ProfileObject> {
    return (await this.custom().getNamespacedCustomObject({
      group: "seccomp.operator.dev",
      version: "v1alpha1",
      namespace,
      plural: "seccompprofiles",
      name,
    })) as ProfileObject;
  }

  async waitForProfileReady(namespace: string, name: string, timeoutMs = 60_000, hash?: string): Promise<ProfileObject> {
    let last: ProfileObject | undefined;
    await waitUntil(
      async () => {
        last = await this.profile(namespace, name);
        const ready = last.status?.conditions?.find((c) => c.type === "Ready");
        return ready?.status === "True" && (last.status?.observedGeneration ?? 0) >= (last.metadata.generation ?? 0) && (!hash || last.status?.hash === hash);
      },
      { what: `SeccompProfile ${namespace}/${name} Ready`, timeoutMs, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; status: ${JSON.stringify(last?.status?.conditions ?? [])}`);
    });
    return last!;
  }

  /** The controller's Deployment rolled out under its own Localhost profile, both replicas Ready. */
  async waitForControllerConfined(timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        const d = await this.apps().readNamespacedDeployment({ namespace: OPERATOR_NAMESPACE, name: "seccomp-operator-controller" });
        const profile = d.spec?.template.spec?.containers[0]?.securityContext?.seccompProfile;
        const s = d.status;
        return (
          profile?.type === "Localhost" &&
          !!s &&
          (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
          s.replicas === 2 &&
          s.updatedReplicas === 2 &&
          s.readyReplicas === 2 &&
          s.availableReplicas === 2
        );
      },
      { what: "the controller Deployment rolled out under its own Localhost profile", timeoutMs, intervalMs: 500 },
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\ncontroller pods:\n${describePods(await this.pods(OPERATOR_NAMESPACE, "app.kubernetes.io/component=controller"))}`,
      );
    });
  }

  /** The host PID of a pod's running container (its task in the node's containerd). */
  async containerPid(pod: V1Pod, container = 0): Promise<number> {
    const id = pod.status?.containerStatuses?.[container]?.containerID?.replace(/^containerd:\/\//, "");
    if (!id) throw new Error(`pod ${pod.metadata?.name} has no container ${container} yet`);
    const tasks = await this.node.nodeCommand(["ctr", "-n", "k8s.io", "tasks", "ls"]);
    const pid = new RegExp(`^${id}\\s+(\\d+)\\s+RUNNING`, "m").exec(tasks)?.[1];
    if (!pid) throw new Error(`container ${id} of pod ${pod.metadata?.name} is not running on the node:\n${tasks}`);
    return Number(pid);
  }

  /** /proc/<pid>/<file> of a pod's container process. */
  async containerProc(pod: V1Pod, file: string, container = 0): Promise<string> {
    return readFileSync(`/proc/${await this.containerPid(pod, container)}/${file}`, "utf8");
  }

  /** A pod's log through the API server (which fetches it from the kubelet). */
  async podLog(namespace: string, name: string, container?: string, previous = false): Promise<string> {
    return this.core().readNamespacedPodLog({ namespace, name, container, previous });
  }

  /** A file under the node's kubelet root (what the node sees as /var/lib/kubelet/<path>). */
  nodeFile(path: string): string | undefined {
    const file = join(this.node.kubeletDir, path);
    return existsSync(file) ? readFileSync(file, "utf8") : undefined;
  }
}

export interface ProfileObject {
  metadata: { name: string; namespace: string; generation?: number; finalizers?: string[]; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  status?: {
    hash?: string;
    localhostProfile?: string;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    usedBy?: unknown;
  };
}

let shared: Promise<E2eCluster> | undefined;

function formatTimings(t: Record<string, number>): string {
  return Object.entries(t)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`)
    .join(", ");
}

export function getE2eCluster(): Promise<E2eCluster> {
  shared ??= (async () => {
    const verbose = process.env.SECCOMP_OPERATOR_TEST_VERBOSE === "1";
    const log = (m: string) => {
      if (verbose) console.error(`real node: ${m}`);
    };
    const t0 = Date.now();
    const imageMs = await ensureImages((m) => console.error(`real node: ${m}`));
    const node = await RealNode.start({
      images: [PAUSE_IMAGE_ARCHIVE, BUSYBOX_IMAGE_ARCHIVE, OPERATOR_IMAGE_ARCHIVE],
      keepDir: process.env.SECCOMP_OPERATOR_TEST_KEEP_DIR === "1",
      log,
    });
    const cluster = new E2eCluster(node);
    if (imageMs !== undefined) cluster.timings.image = imageMs;
    Object.assign(cluster.timings, { node: node.timings.total ?? 0 });
    const t = Date.now();
    try {
      await cluster.install();
    } catch (err) {
      const logs = `\n--- kubelet ---\n${node.logOf("kubelet", 30)}`;
      await node.stop();
      throw new Error(`${(err as Error).message}${process.env.SECCOMP_OPERATOR_TEST_VERBOSE === "1" ? logs : ""}`);
    }
    cluster.timings.install = Date.now() - t;
    cluster.timings.total = Date.now() - t0;
    console.error(`real node: ${node.nodeName} at ${node.url} with the operator installed (${formatTimings(cluster.timings)}); files in ${node.dir}`);
    return cluster;
  })();
  return shared;
}

export async function stopE2eCluster(): Promise<void> {
  if (!shared) return;
  const started = shared;
  shared = undefined;
  let cluster: E2eCluster;
  try {
    cluster = await started;
  } catch {
    return;
  }
  const t = Date.now();
  await cluster.node.stop();
  console.error(`real node: stopped in ${((Date.now() - t) / 1000).toFixed(1)}s`);
}

/**
 * For a mocha `describe`: the shared cluster, or the suite skipped with the
 * reason on a machine that cannot run a real node (failed instead when the
 * end-to-end tests are required).
 */
export function useE2eCluster(): () => E2eCluster {
  let cluster: E2eCluster | undefined;
  before(async function () {
    const unavailable = realNodeUnavailable();
    if (unavailable) {
      if (e2eRequired()) throw new Error(`end-to-end tests are required (CI=true or SECCOMP_E2E=required) but ${unavailable}`);
      console.error(`end-to-end tests skipped: ${unavailable}`);
      this.skip();
    }
    // A first run builds binaries and images; each wait has its own limit.
    this.timeout(60 * 60_000);
    cluster = await getE2eCluster();
  });
  return () => {
    if (!cluster) throw new Error("e2e cluster not started: call useE2eCluster() inside describe()");
    return cluster;
  };
}
