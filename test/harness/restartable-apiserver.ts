// A second kube-apiserver on the shared etcd, for tests of what survives an API server restart.
import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { startApiServer, type ApiServer } from "./apiserver.js";
import { createServiceAccountKey, issueCertificate } from "./certs.js";
import type { ControlPlane } from "./control-plane.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { freePorts } from "./ports.js";

/**
 * A second kube-apiserver on the shared etcd, which the test may stop and
 * start again on the same address while the shared one keeps serving
 * everyone else (and serves the test's changes while this one is down).
 */
export class RestartableApiServer {
  private server: ApiServer | undefined;
  private constructor(
    private readonly cp: ControlPlane,
    private readonly dir: string,
    private readonly port: number,
    private readonly identity: Omit<Parameters<typeof startApiServer>[0], "dir" | "etcdUrl" | "ca" | "admin" | "port">,
    readonly kubeconfig: string,
  ) {}

  static async create(cp: ControlPlane): Promise<RestartableApiServer> {
    await mkdir(cp.dir, { recursive: true });
    const dir = await mkdtemp(join(cp.dir, "second-apiserver-"));
    const [port] = await freePorts(1);
    const serving = await issueCertificate(dir, cp.ca, { name: "serving", commonName: "kube-apiserver", usage: "server", ipAddresses: ["127.0.0.1"] });
    const serviceAccountKey = await createServiceAccountKey(dir);
    const kubeconfig = await writeKubeconfig({
      file: join(dir, "admin.kubeconfig"),
      server: `https://127.0.0.1:${port}`,
      caFile: cp.ca.certFile,
      user: "kubernetes-admin",
      credentials: cp.admin,
    });
    return new RestartableApiServer(cp, dir, port!, { serving, serviceAccountKey }, kubeconfig);
  }

  async start(): Promise<void> {
    this.server = await startApiServer({ dir: this.dir, etcdUrl: this.cp.etcd.clientUrl, ca: this.cp.ca, admin: this.cp.admin, port: this.port, ...this.identity });
  }

  async stop(): Promise<void> {
    await this.server?.process.stop();
    this.server = undefined;
  }
}

