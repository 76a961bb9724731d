// Node agents as real processes, one per simulated node, each with its own folder standing
// in for the kubelet's root, as the DaemonSet would run them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIGEST_SALT_SECRET, ensureDigestSalt } from "../../src/api/digest-salt.js";
import { isAlreadyExists } from "../../src/kube/api-error.js";
import { RestClient } from "../../src/kube/rest-client.js";
import type { ControlPlane } from "./control-plane.js";
import { freePorts } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { probe, waitUntil } from "./readiness.js";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const cliMain = join(repoRoot, "dist", "cli", "main.js");
/** The V8 settings the image sets in NODE_OPTIONS: a small young generation keeps memory low. */
export const NODE_FLAGS = ["--max-semi-space-size=2"];
/** And those the image's entrypoint passes: V8 tuned for size. */
export const ENTRYPOINT_FLAGS = ["--optimize-for-size"];

export interface AgentProcess {
  nodeName: string;
  kubeletDir: string;
  seccompDir: string;
  healthPort: number;
  /** /metrics: HTTPS for the metrics reader's token (harness/metrics.ts) unless started with --metrics-auth=none. */
  metricsPort: number;
  process: ManagedProcess;
  logFile: string;
}

export interface StartAgentOptions {
  nodeName: string;
  /** Reuse a kubelet folder, e.g. to restart an agent on the same node. */
  kubeletDir?: string;
  extraArgs?: string[];
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
  /** Talk to another API server than the control plane's own. */
  kubeconfig?: string;
  /** Node.js flags besides the image's, e.g. `--import` of a test hook. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /**
   * Create the cluster's digest salt first, as the controller would (default true): most tests
   * run agents without a controller. False to leave it to the controller.
   */
  provideSalt?: boolean;
  /** The operator namespace the agent reads the salt from (--operator-namespace); the default one when omitted. */
  operatorNamespace?: string;
}

/** Where the agents and controllers of these tests keep the digest salt: the default operator namespace. */
export const HARNESS_OPERATOR_NAMESPACE = "seccomp-operator-system";

/** The operator namespace and the digest salt Secret in it, created the controller's way (create, or read what exists). */
export async function provideDigestSalt(cp: ControlPlane, namespace = HARNESS_OPERATOR_NAMESPACE): Promise<void> {
  await ensureOperatorNamespace(cp, namespace);
  await ensureDigestSalt(new RestClient(cp.kubeConfig()), { namespace, name: DIGEST_SALT_SECRET });
}

/** The namespace the controller keeps its Secrets in, which the deployment manifests create. */
export async function ensureOperatorNamespace(cp: ControlPlane, namespace = HARNESS_OPERATOR_NAMESPACE): Promise<void> {
  await new RestClient(cp.kubeConfig()).create({ group: "", version: "v1", plural: "namespaces" }, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }).catch((error: unknown) => {
    if (!isAlreadyExists(error)) throw error;
  });
}

export function requireBuiltCli(): void {
  if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: run npm run build (npm test does)`);
}

export async function startAgent(cp: ControlPlane, options: StartAgentOptions): Promise<AgentProcess> {
  requireBuiltCli();
  if (options.provideSalt !== false) await provideDigestSalt(cp, options.operatorNamespace);
  const kubeletDir = options.kubeletDir ?? mkdtempSync(join(tmpdir(), `kubelet-${options.nodeName}-`));
  mkdirSync(kubeletDir, { recursive: true });
  const [healthPort, metricsPort] = await freePorts(2);
  const logFile = join(cp.dir, `agent-${options.nodeName}-${Date.now()}.log`);
  const child = startProcess({
    name: `agent-${options.nodeName}`,
    command: process.execPath,
    args: [
      ...NODE_FLAGS,
      ...ENTRYPOINT_FLAGS,
      ...(options.nodeArgs ?? []),
      cliMain,
      "agent",
      `--kubelet-dir=${kubeletDir}`,
      `--health-addr=127.0.0.1:${healthPort}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      "--heartbeat=2",
      "--gc-grace=2",
      "--gc-interval=0.5",
      "--log-level=info",
      ...(options.operatorNamespace === undefined ? [] : [`--operator-namespace=${options.operatorNamespace}`]),
      ...(options.extraArgs ?? []),
    ],
    logFile,
    env: { ...process.env, NODE_NAME: options.nodeName, KUBECONFIG: options.kubeconfig ?? cp.kubeconfigPath, ...options.env },
  });
  const agent: AgentProcess = { nodeName: options.nodeName, kubeletDir, seccompDir: join(kubeletDir, "seccomp"), healthPort: healthPort!, metricsPort: metricsPort!, process: child, logFile };
  if (options.waitReady !== false) await waitAgentReady(agent);
  return agent;
}

export async function waitAgentReady(agent: AgentProcess, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    () => probe(`http://127.0.0.1:${agent.healthPort}/readyz`),
    { timeoutMs, what: `agent ${agent.nodeName} /readyz`, process: agent.process },
  );
}

export function stableFile(agent: AgentProcess, namespace: string, name: string): string {
  return join(agent.seccompDir, "operator", namespace, `${name}.json`);
}

export function pinnedFile(agent: AgentProcess, namespace: string, name: string, hash: string): string {
  return join(agent.seccompDir, "operator", namespace, name, `${hash}.json`);
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export interface ControllerProcess {
  identity: string;
  healthPort: number;
  metricsPort: number;
  process: ManagedProcess;
  logFile: string;
}

export interface StartControllerOptions {
  identity: string;
  extraArgs?: string[];
  waitReady?: boolean;
  /** Node.js flags besides the image's, e.g. `--import` of a test hook. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** The controller as a real process, as its Deployment would run it. */
export async function startController(cp: ControlPlane, options: StartControllerOptions): Promise<ControllerProcess> {
  requireBuiltCli();
  // The controller creates the digest salt itself, in the namespace its manifests create.
  await ensureOperatorNamespace(cp);
  const [healthPort, metricsPort] = await freePorts(2);
  const logFile = join(cp.dir, `controller-${options.identity}-${Date.now()}.log`);
  const child = startProcess({
    name: `controller-${options.identity}`,
    command: process.execPath,
    args: [...NODE_FLAGS, ...ENTRYPOINT_FLAGS, ...(options.nodeArgs ?? []), cliMain, "controller", `--health-addr=127.0.0.1:${healthPort}`, `--metrics-addr=127.0.0.1:${metricsPort}`, "--log-level=info", ...(options.extraArgs ?? [])],
    logFile,
    env: { ...process.env, POD_NAME: options.identity, KUBECONFIG: cp.kubeconfigPath, ...options.env },
  });
  const controller = { identity: options.identity, healthPort: healthPort!, metricsPort: metricsPort!, process: child, logFile };
  if (options.waitReady !== false) {
    await waitUntil(() => probe(`http://127.0.0.1:${healthPort}/readyz`), { timeoutMs: 60_000, what: `controller ${options.identity} /readyz`, process: child });
  }
  return controller;
}
