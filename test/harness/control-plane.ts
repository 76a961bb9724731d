// A complete, throwaway control plane on loopback: etcd and kube-apiserver at
// once; kube-controller-manager, kube-scheduler and kwok when a test needs
// workloads to behave as in a cluster. Everything lives in one temporary
// directory (certificates, kubeconfigs, data, logs) removed on stop.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { startApiServer, type ApiServer } from "./apiserver.js";
import {
  createCertificateAuthority,
  createServiceAccountKey,
  issueCertificate,
  type CertificateAuthority,
  type KeyPair,
} from "./certs.js";
import { startControllerManager } from "./controller-manager.js";
import { startEtcd, type Etcd } from "./etcd.js";
import { loadKubeConfig, writeKubeconfig } from "./kubeconfig.js";
import { createFakeNode, nodeIsReady, startKwok, type FakeNodeOptions } from "./kwok.js";
import { onExit, recordPidsIn, startReaper, type ManagedProcess } from "./processes.js";
import { waitUntil } from "./readiness.js";
import { startScheduler } from "./scheduler.js";

export interface ControlPlaneOptions {
  /** Keep the temporary directory (logs, data) after stop, for debugging. */
  keepDir?: boolean;
  /** Fixed API server port (the local dev cluster); a free one otherwise. */
  apiServerPort?: number;
  /** Progress messages, e.g. console.error; silent by default. */
  log?: (message: string) => void;
}

/** Wall-clock milliseconds each step took, for the suite's timing report. */
export type Timings = Record<string, number>;

export class ControlPlane {
  readonly timings: Timings = {};
  private readonly optional = new Map<string, Promise<ManagedProcess>>();
  private readonly processes: ManagedProcess[] = [];
  private stopped = false;

  private constructor(
    /** Temporary directory with certificates, kubeconfigs, data and logs. */
    readonly dir: string,
    readonly ca: CertificateAuthority,
    private readonly serviceAccountKey: { privateKeyFile: string; publicKeyFile: string },
    readonly etcd: Etcd,
    readonly apiServer: ApiServer,
    /** Kubeconfig of a cluster administrator (group system:masters). */
    readonly kubeconfigPath: string,
    /** The administrator's client certificate and key. */
    readonly admin: KeyPair,
    private readonly options: ControlPlaneOptions,
    private readonly stopReaper: () => void,
  ) {
    this.processes.push(etcd.process, apiServer.process);
  }

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const log = options.log ?? (() => {});
    const t0 = Date.now();
    const dir = await mkdtemp(join(tmpdir(), "seccomp-operator-cp-"));
    const pidFile = join(dir, "pids");
    await writeFile(pidFile, "");
    const stopRecording = recordPidsIn(pidFile);
    const reaper = startReaper(pidFile, options.keepDir ? join(dir, ".none") : dir);
    const stopReaper = () => {
      stopRecording();
      reaper();
    };
    // If start fails half-way, or the process is interrupted before stop(),
    // nothing may be left behind.
    const cleanUpDir = () => {
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    };
    onExit(cleanUpDir);

    try {
      const timings: Timings = {};
      let t = Date.now();
      const [ca, serviceAccountKey] = await Promise.all([
        createCertificateAuthority(dir),
        createServiceAccountKey(dir),
      ]);
      const [serving, admin] = await Promise.all([
        issueCertificate(dir, ca, {
          name: "apiserver",
          commonName: "kube-apiserver",
          usage: "server",
          dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
          ipAddresses: ["127.0.0.1", "10.0.0.1"],
        }),
        clientCertificate(dir, ca, "kubernetes-admin", ["system:masters"]),
      ]);
      timings.certificates = Date.now() - t;

      t = Date.now();
      log("starting etcd");
      const etcd = await startEtcd(dir);
      timings.etcd = Date.now() - t;

      t = Date.now();
      log("starting kube-apiserver");
      const apiServer = await startApiServer({
        dir,
        etcdUrl: etcd.clientUrl,
        ca,
        serving,
        serviceAccountKey,
        admin,
        port: options.apiServerPort,
      }).catch(async (err) => {
        await etcd.process.stop();
        throw err;
      });
      timings.apiserver = Date.now() - t;

      const kubeconfigPath = await writeKubeconfig({
        file: join(dir, "admin.kubeconfig"),
        server: apiServer.url,
        caFile: ca.certFile,
        user: "kubernetes-admin",
        credentials: admin,
      });
      const cp = new ControlPlane(dir, ca, serviceAccountKey, etcd, apiServer, kubeconfigPath, admin, options, stopReaper);
      Object.assign(cp.timings, timings, { total: Date.now() - t0 });
      return cp;
    } catch (err) {
      stopReaper();
      cleanUpDir();
      throw err;
    }
  }

  get url(): string {
    return this.apiServer.url;
  }

  /** A fresh client configuration for the administrator. */
  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.kubeconfigPath);
  }

  /**
   * A kubeconfig for an arbitrary identity, authenticated by a client
   * certificate from the cluster CA; what it may do is up to RBAC.
   */
  async userKubeconfig(user: string, groups: string[] = []): Promise<string> {
    return this.kubeconfigOf(user, groups, `user-${user.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
  }

  /** kube-controller-manager, started once, on first use. */
  startControllerManager(): Promise<ManagedProcess> {
    return this.once("kube-controller-manager", async () => {
      const kubeconfig = await this.componentKubeconfig("system:kube-controller-manager", []);
      return startControllerManager({
        dir: this.dir,
        kubeconfig,
        ca: this.ca,
        serviceAccountPrivateKeyFile: this.serviceAccountKey.privateKeyFile,
      });
    });
  }

  /** kube-scheduler, started once, on first use. */
  startScheduler(): Promise<ManagedProcess> {
    return this.once("kube-scheduler", async () => {
      const kubeconfig = await this.componentKubeconfig("system:kube-scheduler", []);
      return startScheduler({ dir: this.dir, kubeconfig });
    });
  }

  /** kwok, started once, on first use. */
  startKwok(): Promise<ManagedProcess> {
    return this.once("kwok", async () => {
      // kwok writes node and pod status for every simulated kubelet; it has
      // no bootstrap role of its own, so it acts as an administrator.
      const kubeconfig = await this.componentKubeconfig("kwok", ["system:masters"]);
      return startKwok({ dir: this.dir, kubeconfig });
    });
  }

  /** Everything that makes Deployments and their pods behave as in a cluster. */
  async startWorkloadComponents(): Promise<void> {
    await Promise.all([this.startControllerManager(), this.startScheduler(), this.startKwok()]);
  }

  get workloadComponentsRunning(): boolean {
    return this.optional.has("kube-controller-manager");
  }

  /** Creates a node that kwok simulates (starting kwok if needed). */
  async createFakeNode(name: string, options: FakeNodeOptions = {}): Promise<V1Node> {
    await this.startKwok();
    return createFakeNode(this.kubeConfig().makeApiClient(CoreV1Api), name, options);
  }

  async waitForNodeReady(name: string, timeoutMs = 60_000): Promise<V1Node> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    let node: V1Node | undefined;
    const kwok = await this.optional.get("kwok");
    await waitUntil(
      async () => {
        node = await core.readNode({ name });
        return nodeIsReady(node);
      },
      { what: `node ${name} Ready`, timeoutMs, intervalMs: 200, process: kwok },
    );
    return node!;
  }

  /** Stops every component, newest first, and removes the directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const started = await Promise.allSettled([...this.optional.values()]);
    for (const result of started) {
      if (result.status === "fulfilled") this.processes.push(result.value);
    }
    // Clients of the API server first, then the API server, then its storage.
    for (const p of [...this.processes].reverse()) {
      await p.stop();
    }
    this.stopReaper();
    if (!this.options.keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  private once(name: string, start: () => Promise<ManagedProcess>): Promise<ManagedProcess> {
    let started = this.optional.get(name);
    if (!started) {
      const t = Date.now();
      this.options.log?.(`starting ${name}`);
      started = start().then((p) => {
        this.timings[name] = Date.now() - t;
        return p;
      });
      // A failed start is reported to the caller and tried again next time.
      started.catch(() => this.optional.delete(name));
      this.optional.set(name, started);
    }
    return started;
  }

  private componentKubeconfig(user: string, groups: string[]): Promise<string> {
    return this.kubeconfigOf(user, groups, user.replace(/^system:/, "").replace(/[^A-Za-z0-9_.-]/g, "_"));
  }

  /** A kubeconfig for `user` in `groups`, by a client certificate the cluster CA issues; files named `name`. */
  private async kubeconfigOf(user: string, groups: string[], name: string): Promise<string> {
    const credentials = await clientCertificate(this.dir, this.ca, user, groups, name);
    return writeKubeconfig({
      file: join(this.dir, `${name}.kubeconfig`),
      server: this.url,
      caFile: this.ca.certFile,
      user,
      credentials,
    });
  }
}

function clientCertificate(
  dir: string,
  ca: CertificateAuthority,
  user: string,
  groups: string[],
  name = user,
): Promise<KeyPair> {
  return issueCertificate(dir, ca, { name, commonName: user, organizations: groups, usage: "client" });
}
