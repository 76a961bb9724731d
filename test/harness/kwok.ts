// kwok: plays the kubelet for simulated nodes. Nodes it manages (those with
// the annotation below) turn Ready and keep their Lease renewed; pods bound to
// them go Running and Ready, and complete or vanish as real ones would. No
// container runs anywhere.
import { join } from "node:path";
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import { binaryPath, kwokStagesFile } from "./binaries.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export const FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const FAKE_NODE_VALUE = "fake";

export interface KwokOptions {
  dir: string;
  kubeconfig: string;
  timeoutMs?: number;
}

export async function startKwok(options: KwokOptions): Promise<ManagedProcess> {
  const binary = await binaryPath("kwok");
  const port = await freePort();
  const process = startProcess({
    name: "kwok",
    command: binary,
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--config=${kwokStagesFile}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=${FAKE_NODE_VALUE}`,
      // Leases make the node lifecycle controller see live nodes, as with a
      // real kubelet, instead of status heartbeats every few seconds.
      "--node-lease-duration-seconds=40",
      // The addresses simulated nodes and pods report. Nothing connects to
      // them; loopback keeps any stray connection on this machine.
      "--node-ip=127.0.0.1",
      "--cidr=10.244.0.1/16",
      `--server-address=127.0.0.1:${port}`,
    ],
    logFile: join(options.dir, "kwok.log"),
  });
  await awaitReady(process, () => probe(`http://127.0.0.1:${port}/healthz`), {
    what: "kwok",
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  return process;
}

export interface FakeNodeOptions {
  labels?: Record<string, string>;
  /** Resources the node offers to the scheduler; kwok's defaults are huge. */
  allocatable?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }>;
}

/** The Node object kwok will manage, labelled like a kubelet labels its node. */
export function fakeNodeManifest(name: string, options: FakeNodeOptions = {}): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION]: FAKE_NODE_VALUE },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
        ...options.labels,
      },
    },
    spec: options.taints ? { taints: options.taints } : {},
    status: options.allocatable
      ? { allocatable: options.allocatable, capacity: options.allocatable }
      : undefined,
  };
}

export async function createFakeNode(core: CoreV1Api, name: string, options: FakeNodeOptions = {}): Promise<V1Node> {
  return core.createNode({ body: fakeNodeManifest(name, options) });
}

export function nodeIsReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}
