// What kube-controller-manager and kube-scheduler share, on the local control plane and the real
// node: one kubeconfig for everything they ask the API server (delegated authentication and
// authorization of their own endpoint included), a secure port with a self-signed certificate,
// no leader election.
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import type { CertificateAuthority } from "./certs.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export interface KubeComponentOptions {
  dir: string;
  kubeconfig: string;
  timeoutMs?: number;
  extraArgs?: string[];
}

export type KubeComponent = "kube-controller-manager" | "kube-scheduler";

/** The arguments every such component takes, serving on `address`:`port`. */
export function kubeComponentArgs(name: KubeComponent, at: { kubeconfig: string; dir: string; address: string; port: number }): string[] {
  return [
    `--kubeconfig=${at.kubeconfig}`,
    `--authentication-kubeconfig=${at.kubeconfig}`,
    `--authorization-kubeconfig=${at.kubeconfig}`,
    `--bind-address=${at.address}`,
    `--secure-port=${at.port}`,
    `--cert-dir=${join(at.dir, `${name.replace(/^kube-/, "")}-certs`)}`,
    "--leader-elect=false",
    "--profiling=false",
  ];
}

/** What kube-controller-manager needs besides: service-account tokens and the cluster's CA for signing. */
export function controllerManagerArgs(ca: CertificateAuthority, serviceAccountPrivateKeyFile: string): string[] {
  return [
    // Each controller acts under its own service account, so the bootstrap
    // RBAC policy is exercised as in a kubeadm cluster.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${serviceAccountPrivateKeyFile}`,
    `--root-ca-file=${ca.certFile}`,
    `--cluster-signing-cert-file=${ca.certFile}`,
    `--cluster-signing-key-file=${ca.keyFile}`,
  ];
}

/** Waits until the component's /healthz answers. */
export function awaitKubeComponent(process: ManagedProcess, name: KubeComponent, address: string, port: number, timeoutMs = 60_000): Promise<void> {
  return awaitReady(process, () => probe(`https://${address}:${port}/healthz`, { insecure: true }), { what: name, timeoutMs, intervalMs: 200 });
}

/** Starts `name` (a binary of the control plane) on loopback and waits until its /healthz answers. */
export async function startKubeComponent(name: KubeComponent, options: KubeComponentOptions, args: string[]): Promise<ManagedProcess> {
  const port = await freePort();
  const process = startProcess({
    name,
    command: await binaryPath(name),
    args: [...kubeComponentArgs(name, { ...options, address: "127.0.0.1", port }), ...args, ...(options.extraArgs ?? [])],
    logFile: join(options.dir, `${name}.log`),
  });
  await awaitKubeComponent(process, name, "127.0.0.1", port, options.timeoutMs);
  return process;
}
