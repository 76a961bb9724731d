// kube-controller-manager: the controllers that make workloads behave as in a
// cluster (Deployment -> ReplicaSet -> Pods, garbage collection of dependents,
// namespace deletion, service-account tokens, node lifecycle).
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import type { CertificateAuthority } from "./certs.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export interface ControllerManagerOptions {
  dir: string;
  kubeconfig: string;
  ca: CertificateAuthority;
  serviceAccountPrivateKeyFile: string;
  timeoutMs?: number;
  extraArgs?: string[];
}

export async function startControllerManager(options: ControllerManagerOptions): Promise<ManagedProcess> {
  const binary = await binaryPath("kube-controller-manager");
  const port = await freePort();
  const process = startProcess({
    name: "kube-controller-manager",
    command: binary,
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--authentication-kubeconfig=${options.kubeconfig}`,
      `--authorization-kubeconfig=${options.kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(options.dir, "controller-manager-certs")}`,
      "--leader-elect=false",
      // Each controller acts under its own service account, so the bootstrap
      // RBAC policy is exercised as in a kubeadm cluster.
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${options.serviceAccountPrivateKeyFile}`,
      `--root-ca-file=${options.ca.certFile}`,
      `--cluster-signing-cert-file=${options.ca.certFile}`,
      `--cluster-signing-key-file=${options.ca.keyFile}`,
      "--profiling=false",
      ...(options.extraArgs ?? []),
    ],
    logFile: join(options.dir, "kube-controller-manager.log"),
  });
  await awaitReady(process, () => probe(`https://127.0.0.1:${port}/healthz`, { insecure: true }), {
    what: "kube-controller-manager",
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 200,
  });
  return process;
}
