// kube-scheduler: binds pending pods to (simulated) nodes.
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export interface SchedulerOptions {
  dir: string;
  kubeconfig: string;
  timeoutMs?: number;
  extraArgs?: string[];
}

export async function startScheduler(options: SchedulerOptions): Promise<ManagedProcess> {
  const binary = await binaryPath("kube-scheduler");
  const port = await freePort();
  const process = startProcess({
    name: "kube-scheduler",
    command: binary,
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--authentication-kubeconfig=${options.kubeconfig}`,
      `--authorization-kubeconfig=${options.kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(options.dir, "scheduler-certs")}`,
      "--leader-elect=false",
      "--profiling=false",
      ...(options.extraArgs ?? []),
    ],
    logFile: join(options.dir, "kube-scheduler.log"),
  });
  await awaitReady(process, () => probe(`https://127.0.0.1:${port}/healthz`, { insecure: true }), {
    what: "kube-scheduler",
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 200,
  });
  return process;
}
