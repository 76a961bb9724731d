// A single-member etcd on loopback for the test API server.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import { freePorts } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export interface Etcd {
  clientUrl: string;
  process: ManagedProcess;
}

export async function startEtcd(dir: string, timeoutMs = 30_000): Promise<Etcd> {
  const binary = await binaryPath("etcd");
  const dataDir = join(dir, "etcd-data");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [clientPort, peerPort] = await freePorts(2);
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const process = startProcess({
    name: "etcd",
    command: binary,
    args: [
      "--name=test",
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      "--initial-cluster-state=new",
      // The data is thrown away after the run: durability buys nothing here
      // and fsync is what makes etcd slow on shared CI disks.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    logFile: join(dir, "etcd.log"),
  });
  await awaitReady(process, () => probe(`${clientUrl}/health`), { what: "etcd", timeoutMs });
  return { clientUrl, process };
}
