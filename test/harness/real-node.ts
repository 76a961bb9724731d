// A real single-node cluster for the end-to-end tests and `npm run dev --
// --real-node`: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, and a node made of containerd, runc, the CNI bridge, a
// kubelet and kube-proxy, all inside a network namespace, a mount namespace and
// a cgroup of their own (hack/real-node/node.sh), so that nothing of it is
// reachable from, or left on, this machine.
//
// As in a kubeadm cluster: every component authenticates with its own client
// certificate; the kubelet is system:node:<name> in system:nodes, checked by
// the Node authorizer and the NodeRestriction admission plugin; in-cluster
// clients reach the API server through the `kubernetes` Service (kube-proxy,
// iptables mode); the API server reaches the kubelet (logs, exec) by the node's
// name, which the node's /etc/hosts resolves.
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { binaryPath, repoRoot } from "./binaries.js";
import {
  createCertificateAuthority,
  createServiceAccountKey,
  issueCertificate,
  type CertificateAuthority,
  type KeyPair,
} from "./certs.js";
import { awaitKubeComponent, controllerManagerArgs, kubeComponentArgs } from "./kube-component.js";
import { loadKubeConfig, writeKubeconfig } from "./kubeconfig.js";
import { onExit, startProcess, tailLog, type ManagedProcess } from "./processes.js";
import { awaitReady, probe, waitUntil } from "./readiness.js";

const run = promisify(execFile);

export const NODE_SCRIPT = join(repoRoot, "hack", "real-node", "node.sh");
/** The node's address inside its network namespace (see node.sh). */
export const NODE_IP = "10.213.0.2";
export const API_SERVER_PORT = 6443;
export const SERVICE_CIDR = "10.213.64.0/24";
/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_CIDR. */
export const KUBERNETES_SERVICE_IP = "10.213.64.1";
export const POD_CIDR = "10.213.128.0/24";
export const NODE_NAME = "e2e-node";
export const SANDBOX_IMAGE = "localhost/pause:3.10";

export interface RealNodeOptions {
  /** OCI archives to import into the node's containerd before the kubelet starts. */
  images: string[];
  /** Keep the directory (logs) after stop. */
  keepDir?: boolean;
  log?: (message: string) => void;
}

/** Why this machine cannot run a real node, or undefined when it can. */
export function realNodeUnavailable(): string | undefined {
  if (process.platform !== "linux") return `a real node needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "a real node needs root (network and mount namespaces, cgroups, containerd)";
  const missing = ["containerd", "runc", "ctr", "ip", "iptables", "nsenter", "unshare", "buildah", "conntrack"].filter(
    (c) => spawnSync("sh", ["-c", `command -v ${c}`], { stdio: "ignore" }).status !== 0,
  );
  if (missing.length > 0) return `missing commands: ${missing.join(", ")} (see .ci/run for the Debian packages)`;
  if (!existsSync("/usr/lib/cni/bridge")) return "the CNI plugins are missing in /usr/lib/cni (Debian: containernetworking-plugins)";
  if (!existsSync("/sys/fs/cgroup/pids")) return "a real node here needs cgroup v1 with the pids hierarchy";
  return undefined;
}

export type Timings = Record<string, number>;

export class RealNode {
  readonly timings: Timings = {};
  private readonly processes: ManagedProcess[] = [];
  private stopped = false;
  private readonly stopReaper: () => void;

  private constructor(
    /** Certificates, configuration and logs; node/ is the node's state (see node.sh). */
    readonly dir: string,
    readonly ca: CertificateAuthority,
    /** Kubeconfig of a cluster administrator (system:masters). */
    readonly kubeconfigPath: string,
    private readonly options: RealNodeOptions,
  ) {
    this.stopReaper = startNodeReaper(this.nodeDir, dir, !!options.keepDir);
  }

  /** The node's state directory (node.sh's DIR). */
  get nodeDir(): string {
    return join(this.dir, "node");
  }

  /** What the node sees as /var/lib/kubelet. */
  get kubeletDir(): string {
    return join(this.nodeDir, "kubelet");
  }

  get url(): string {
    return `https://${NODE_IP}:${API_SERVER_PORT}`;
  }

  get nodeName(): string {
    return NODE_NAME;
  }

  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.kubeconfigPath);
  }

  static async start(options: RealNodeOptions): Promise<RealNode> {
    const unavailable = realNodeUnavailable();
    if (unavailable) throw new Error(unavailable);
    for (const image of options.images) {
      if (!existsSync(image)) throw new Error(`image archive ${image} is missing: run npm run image (and hack/image/test-images.sh)`);
    }
    const t0 = Date.now();
    const dir = await mkdtemp(join(tmpdir(), "seccomp-operator-node-"));
    const certs = await makeCertificates(dir);
    const node = new RealNode(dir, certs.ca, certs.adminKubeconfig, options);
    onExit(() => node.tearDownNow());
    try {
      await node.boot(certs);
    } catch (err) {
      await node.stop();
      throw err;
    }
    node.timings.total = Date.now() - t0;
    return node;
  }

  private async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    this.options.log?.(name);
    const result = await fn();
    this.timings[name] = Date.now() - t;
    return result;
  }

  private async boot(certs: Certificates): Promise<void> {
    const dir = this.dir;
    await this.step("sandbox", () => nodeScript(["up", this.nodeDir, randomId(), NODE_NAME]));
    const bins = Object.fromEntries(
      await Promise.all(
        (["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"] as const).map(
          async (b) => [b, await binaryPath(b)] as const,
        ),
      ),
    ) as Record<string, string>;

    // The control plane and containerd start side by side: containerd and the
    // image import need no API server.
    const controlPlane = this.step("control plane", async () => {
      const etcd = this.spawn("etcd", bins.etcd!, [
        "--name=e2e",
        `--data-dir=${join(dir, "etcd-data")}`,
        `--listen-client-urls=http://127.0.0.1:2379,http://${NODE_IP}:2379`,
        `--advertise-client-urls=http://${NODE_IP}:2379`,
        "--listen-peer-urls=http://127.0.0.1:2380",
        "--initial-advertise-peer-urls=http://127.0.0.1:2380",
        "--initial-cluster=e2e=http://127.0.0.1:2380",
        "--initial-cluster-state=new",
        "--unsafe-no-fsync",
        "--log-level=warn",
      ]);
      await awaitReady(etcd, () => probe(`http://${NODE_IP}:2379/health`), { what: "etcd", timeoutMs: 30_000 });

      const apiserver = this.spawn("kube-apiserver", bins["kube-apiserver"]!, [
        "--etcd-servers=http://127.0.0.1:2379",
        `--bind-address=${NODE_IP}`,
        // The `kubernetes` Service's endpoint: an address pods can route to.
        `--advertise-address=${NODE_IP}`,
        `--secure-port=${API_SERVER_PORT}`,
        `--cert-dir=${join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${certs.serving.certFile}`,
        `--tls-private-key-file=${certs.serving.keyFile}`,
        `--client-ca-file=${certs.ca.certFile}`,
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        `--kubelet-client-certificate=${certs.kubeletClient.certFile}`,
        `--kubelet-client-key=${certs.kubeletClient.keyFile}`,
        // Logs and exec go to the kubelet by the node's name (the node's
        // /etc/hosts resolves it; see node.sh), never falling back to its IP.
        "--kubelet-preferred-address-types=Hostname",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${certs.serviceAccountKey.publicKeyFile}`,
        `--service-account-signing-key-file=${certs.serviceAccountKey.privateKeyFile}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--allow-privileged=true",
        "--profiling=false",
      ]);
      await awaitReady(
        apiserver,
        () => probe(`${this.url}/readyz`, { caFile: certs.ca.certFile, ...certs.admin }),
        { what: "kube-apiserver", timeoutMs: 90_000, intervalMs: 200 },
      );

      const at = (kubeconfig: string, port: number) => ({ kubeconfig, dir, address: NODE_IP, port });
      const kcm = this.spawn("kube-controller-manager", bins["kube-controller-manager"]!, [
        ...kubeComponentArgs("kube-controller-manager", at(certs.kubeconfigs.controllerManager, 10257)),
        ...controllerManagerArgs(certs.ca, certs.serviceAccountKey.privateKeyFile),
      ]);
      const scheduler = this.spawn("kube-scheduler", bins["kube-scheduler"]!, kubeComponentArgs("kube-scheduler", at(certs.kubeconfigs.scheduler, 10259)));
      await Promise.all([awaitKubeComponent(kcm, "kube-controller-manager", NODE_IP, 10257), awaitKubeComponent(scheduler, "kube-scheduler", NODE_IP, 10259)]);
    });

    const runtime = this.step("containerd and images", async () => {
      const config = await writeContainerdConfig(dir);
      const containerd = this.spawn("containerd", "containerd", ["--config", config]);
      await waitUntil(async () => (await this.nodeCommand(["ctr", "version"]).then(() => true, () => false)), {
        what: "containerd",
        timeoutMs: 30_000,
        intervalMs: 100,
        process: containerd,
      });
      for (const image of this.options.images) {
        await this.nodeCommand(["ctr", "-n", "k8s.io", "images", "import", image]).catch((err: Error) => {
          throw new Error(`importing ${image} into the node's containerd: ${err.message}`);
        });
      }
    });

    await Promise.all([controlPlane, runtime]);

    await this.step("kubelet", async () => {
      const config = await writeKubeletConfig(dir, certs, await this.cgroupRoot());
      const kubelet = this.spawn("kubelet", bins.kubelet!, [
        `--config=${config}`,
        `--kubeconfig=${certs.kubeconfigs.kubelet}`,
        `--hostname-override=${NODE_NAME}`,
        `--node-ip=${NODE_IP}`,
        "--v=1",
      ]);
      await this.waitForNodeReady(120_000, kubelet);
    });

    await this.step("kube-proxy", async () => {
      const config = join(dir, "kube-proxy.yaml");
      await writeFile(
        config,
        [
          "apiVersion: kubeproxy.config.k8s.io/v1alpha1",
          "kind: KubeProxyConfiguration",
          "clientConnection:",
          `  kubeconfig: ${certs.kubeconfigs.kubeProxy}`,
          "mode: iptables",
          `hostnameOverride: ${NODE_NAME}`,
          `clusterCIDR: ${POD_CIDR}`,
          `healthzBindAddress: ${NODE_IP}:10256`,
          "metricsBindAddress: 127.0.0.1:10249",
          // conntrack limits are global settings of this machine: left alone.
          "conntrack:",
          "  maxPerCore: 0",
          "  min: 0",
          "  tcpEstablishedTimeout: 0s",
          "  tcpCloseWaitTimeout: 0s",
          "iptables:",
          "  localhostNodePorts: false",
          "",
        ].join("\n"),
      );
      const proxy = this.spawn("kube-proxy", bins["kube-proxy"]!, [`--config=${config}`]);
      await awaitReady(proxy, () => probe(`http://${NODE_IP}:10256/healthz`), {
        what: "kube-proxy",
        timeoutMs: 60_000,
        intervalMs: 200,
      });
      // The Service rule for the API server is what in-cluster clients need.
      await waitUntil(
        async () => (await this.nodeCommand(["iptables", "-w", "-t", "nat", "-S", "KUBE-SERVICES"])).includes(KUBERNETES_SERVICE_IP),
        { what: `kube-proxy's rule for ${KUBERNETES_SERVICE_IP}`, timeoutMs: 30_000, intervalMs: 200, process: proxy },
      );
    });
  }

  private async cgroupRoot(): Promise<string> {
    const env = readFileSync(join(this.nodeDir, "node.env"), "utf8");
    const match = /^CG=(\S+)$/m.exec(env);
    if (!match) throw new Error("node.env names no cgroup");
    return `/${match[1]}`;
  }

  /** Runs a command on the node (its namespaces), returning stdout. */
  async nodeCommand(args: string[], timeoutMs = 60_000): Promise<string> {
    try {
      const { stdout } = await run("bash", [NODE_SCRIPT, "enter", this.nodeDir, "--node", "--", ...args], {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${args.join(" ")} on the node failed: ${e.stderr?.trim() || e.message}`);
    }
  }

  async waitForNodeReady(timeoutMs = 120_000, kubelet?: ManagedProcess): Promise<V1Node> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    let node: V1Node | undefined;
    await waitUntil(
      async () => {
        node = await core.readNode({ name: NODE_NAME });
        return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      },
      { what: `node ${NODE_NAME} Ready`, timeoutMs, intervalMs: 200, process: kubelet },
    );
    return node!;
  }

  /** The log of one of the node's components (kubelet, containerd, ...). */
  logOf(name: string, lines = 60): string {
    return tailLog(join(this.dir, `${name}.log`), lines);
  }

  /**
   * Starts a component in the node's namespaces and cgroup. The control plane
   * runs there too: in the network namespace, so that pods can reach the API
   * server and nothing else can; in the mount namespace, for the node's
   * /etc/hosts (the API server reaches the kubelet by name).
   */
  private spawn(name: string, command: string, args: string[]): ManagedProcess {
    const p = startProcess({
      name,
      command: "bash",
      args: [NODE_SCRIPT, "enter", this.nodeDir, "--node", "--", command, ...args],
      logFile: join(this.dir, `${name}.log`),
    });
    // Every process is in the node's cgroup from its start (node.sh enter);
    // the list is node.sh down's second net.
    writeFileSync(join(this.nodeDir, "pids"), `${p.pid}\n`, { flag: "a" });
    this.processes.push(p);
    return p;
  }

  /** Stops the node's processes (kubelet first), then removes all of it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Clients first: the kubelet and kube-proxy, then the control plane, then
    // containerd (its containers go with the cgroup in node.sh down).
    const order = ["kube-proxy", "kubelet", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd", "containerd"];
    const byName = new Map(this.processes.map((p) => [p.name, p]));
    // The children are unref'd (see processes.ts): this keeps the event loop,
    // and so the teardown, alive until the end.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      // Its state is thrown away: a second is all any component gets.
      for (const name of order) await byName.get(name)?.stop(1000);
      await nodeScript(["down", this.nodeDir]);
    } finally {
      clearInterval(keepAlive);
    }
    this.stopReaper();
    if (!this.options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The synchronous teardown of an interrupted run. */
  private tearDownNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    const down = spawnSync("bash", [NODE_SCRIPT, "down", this.nodeDir], { stdio: "ignore", timeout: 30_000 });
    // On failure the reaper, which runs down again once this process is gone, stays.
    if (down.status !== 0) return;
    this.stopReaper();
    if (!this.options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function nodeScript(args: string[]): Promise<void> {
  try {
    await run("bash", [NODE_SCRIPT, ...args], { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${NODE_SCRIPT} ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * A detached shell that waits for this process to die and then runs node.sh
 * down: the one case exit handlers cannot cover (SIGKILL of the test run).
 */
function startNodeReaper(nodeDir: string, dir: string, keepDir: boolean): () => void {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
    # A failed teardown keeps the directory: node.sh down reads its state
    # from there and can be run again by hand.
    bash "$1" down "$2" && { [ "$4" = keep ] || rm -rf -- "$3"; }
  `;
  const reaper = spawn("bash", ["-c", script, "node-reaper", NODE_SCRIPT, nodeDir, dir, keepDir ? "keep" : "remove"], {
    detached: true,
    stdio: "ignore",
  });
  reaper.unref();
  return () => {
    if (reaper.pid !== undefined) {
      try {
        process.kill(-reaper.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
}

function randomId(): string {
  return Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, "0");
}

interface Certificates {
  ca: CertificateAuthority;
  serviceAccountKey: { privateKeyFile: string; publicKeyFile: string };
  serving: KeyPair;
  admin: KeyPair;
  kubeletClient: KeyPair;
  kubeletServing: KeyPair;
  adminKubeconfig: string;
  kubeconfigs: { controllerManager: string; scheduler: string; kubelet: string; kubeProxy: string };
}

async function makeCertificates(dir: string): Promise<Certificates> {
  const [ca, serviceAccountKey] = await Promise.all([createCertificateAuthority(dir), createServiceAccountKey(dir)]);
  const client = (name: string, user: string, groups: string[] = []) =>
    issueCertificate(dir, ca, { name, commonName: user, organizations: groups, usage: "client" });
  const [serving, admin, kubeletClient, kubeletServing, kcm, scheduler, kubelet, kubeProxy] = await Promise.all([
    issueCertificate(dir, ca, {
      name: "apiserver",
      commonName: "kube-apiserver",
      usage: "server",
      dnsNames: ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
      ipAddresses: [NODE_IP, KUBERNETES_SERVICE_IP],
    }),
    client("admin", "kubernetes-admin", ["system:masters"]),
    // What the API server presents to kubelets (logs, exec); kubeadm's name.
    client("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ["system:masters"]),
    issueCertificate(dir, ca, { name: "kubelet-serving", commonName: NODE_NAME, usage: "server", dnsNames: [NODE_NAME], ipAddresses: [NODE_IP] }),
    client("controller-manager", "system:kube-controller-manager"),
    client("scheduler", "system:kube-scheduler"),
    // The node's own identity: the Node authorizer and NodeRestriction limit
    // it to its node and the pods bound there.
    client("kubelet", `system:node:${NODE_NAME}`, ["system:nodes"]),
    client("kube-proxy", "system:kube-proxy"),
  ]);
  const server = `https://${NODE_IP}:${API_SERVER_PORT}`;
  const kubeconfig = (name: string, user: string, credentials: KeyPair) =>
    writeKubeconfig({ file: join(dir, `${name}.kubeconfig`), server, caFile: ca.certFile, user, credentials });
  const [adminKubeconfig, controllerManager, schedulerKc, kubeletKc, kubeProxyKc] = await Promise.all([
    kubeconfig("admin", "kubernetes-admin", admin),
    kubeconfig("controller-manager", "system:kube-controller-manager", kcm),
    kubeconfig("scheduler", "system:kube-scheduler", scheduler),
    kubeconfig("kubelet", `system:node:${NODE_NAME}`, kubelet),
    kubeconfig("kube-proxy", "system:kube-proxy", kubeProxy),
  ]);
  return {
    ca,
    serviceAccountKey,
    serving,
    admin,
    kubeletClient,
    kubeletServing,
    adminKubeconfig,
    kubeconfigs: { controllerManager, scheduler: schedulerKc, kubelet: kubeletKc, kubeProxy: kubeProxyKc },
  };
}

async function writeContainerdConfig(dir: string): Promise<string> {
  const cniDir = join(dir, "cni");
  await mkdir(cniDir, { recursive: true });
  await writeFile(
    join(cniDir, "10-bridge.conflist"),
    JSON.stringify(
      {
        cniVersion: "1.0.0",
        name: "e2e",
        plugins: [
          {
            type: "bridge",
            bridge: "cni0",
            isGateway: true,
            // No masquerading: pods talk only to addresses of the node's namespace.
            ipMasq: false,
            hairpinMode: true,
            ipam: { type: "host-local", ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: "/run/cni-ipam" },
          },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ),
  );
  const file = join(dir, "containerd.toml");
  // Paths are the node's (its mount namespace): /var/lib/containerd and /run
  // are its own there.
  await writeFile(
    file,
    `version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  # No AppArmor in this kernel.
  disable_apparmor = true
  # Root here may lack CAP_SYS_RESOURCE: without this every sandbox fails
  # (runc cannot lower /proc/self/oom_score_adj).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${cniDir}"
`,
  );
  return file;
}

async function writeKubeletConfig(dir: string, certs: Certificates, cgroupRoot: string): Promise<string> {
  // Pods get no name servers of this machine: nothing in them resolves names.
  const resolv = join(dir, "resolv.conf");
  await writeFile(resolv, "options ndots:0\n");
  const file = join(dir, "kubelet.yaml");
  await writeFile(
    file,
    [
      "apiVersion: kubelet.config.k8s.io/v1beta1",
      "kind: KubeletConfiguration",
      // This machine has cgroup v1, which kubelet 1.35 refuses unless told.
      "failCgroupV1: false",
      "cgroupDriver: cgroupfs",
      // Pods' cgroups under the node's own (node.sh), removed with it.
      `cgroupRoot: ${cgroupRoot}`,
      "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock",
      "failSwapOn: false",
      `address: ${NODE_IP}`,
      "port: 10250",
      "readOnlyPort: 0",
      "healthzBindAddress: 127.0.0.1",
      "healthzPort: 10248",
      `tlsCertFile: ${certs.kubeletServing.certFile}`,
      `tlsPrivateKeyFile: ${certs.kubeletServing.keyFile}`,
      "authentication:",
      "  anonymous: {enabled: false}",
      "  webhook: {enabled: true}",
      `  x509: {clientCAFile: ${certs.ca.certFile}}`,
      "authorization:",
      "  mode: Webhook",
      `resolvConf: ${resolv}`,
      // Images are imported, not pulled: they must never be collected, and a
      // busy CI disk must not evict the test's pods.
      "imageGCHighThresholdPercent: 100",
      "imageGCLowThresholdPercent: 99",
      "evictionHard: {memory.available: 1Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1%}",
      "serializeImagePulls: false",
      "rotateCertificates: false",
      // Faster feedback than the defaults, for tests that wait on pods.
      "nodeStatusUpdateFrequency: 5s",
      "syncFrequency: 10s",
      "",
    ].join("\n"),
  );
  return file;
}
