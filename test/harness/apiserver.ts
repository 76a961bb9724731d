// kube-apiserver on loopback, authenticating clients by certificate and
// authorizing them with RBAC (and the Node authorizer), as a production
// cluster does, so that tests of permissions mean something.
import { join } from "node:path";
import { binaryPath } from "./binaries.js";
import type { CertificateAuthority, KeyPair } from "./certs.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { awaitReady, probe } from "./readiness.js";

export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

export interface ApiServerOptions {
  dir: string;
  etcdUrl: string;
  ca: CertificateAuthority;
  /** Serving certificate, valid for 127.0.0.1 and localhost. */
  serving: KeyPair;
  serviceAccountKey: { privateKeyFile: string; publicKeyFile: string };
  /** Used for the readiness probe only. */
  admin: KeyPair;
  port?: number;
  timeoutMs?: number;
  extraArgs?: string[];
}

export interface ApiServer {
  url: string;
  process: ManagedProcess;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const binary = await binaryPath("kube-apiserver");
  const port = options.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const process = startProcess({
    name: "kube-apiserver",
    command: binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(options.dir, "apiserver-certs")}`,
      `--tls-cert-file=${options.serving.certFile}`,
      `--tls-private-key-file=${options.serving.keyFile}`,
      `--client-ca-file=${options.ca.certFile}`,
      "--authorization-mode=Node,RBAC",
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${options.serviceAccountKey.publicKeyFile}`,
      `--service-account-signing-key-file=${options.serviceAccountKey.privateKeyFile}`,
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      "--allow-privileged=true",
      // Endpoints of the "kubernetes" Service may not be loopback addresses,
      // and nothing in the test cluster reaches the API server through it.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      ...(options.extraArgs ?? []),
    ],
    logFile: join(options.dir, "kube-apiserver.log"),
  });
  await awaitReady(process, () => probe(`${url}/readyz`, { caFile: options.ca.certFile, ...options.admin }), {
    what: "kube-apiserver",
    timeoutMs: options.timeoutMs ?? 90_000,
    intervalMs: 200,
  });
  return { url, process };
}
