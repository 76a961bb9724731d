// The operator on a local control plane: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok with a few simulated nodes,
// the CRDs from crds/, the controller, one node agent per simulated node (each
// with its own folder standing in for /var/lib/kubelet) and the sample
// catalogue. Runs until Ctrl-C, then stops everything.
//
//   npm run dev                      # two simulated nodes
//   npm run dev -- --nodes 0         # API server and etcd only
//   npm run dev -- --port 6443 --keep
//   npm run dev -- --real-node       # a real node and the operator's image instead (Linux, root)
import { parseArgs } from "node:util";
import { CoreV1Api, VersionApi } from "@kubernetes/client-node";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { startAgent, startController, type AgentProcess } from "../test/harness/agents.js";
import { freePorts } from "../test/harness/ports.js";
import { onExit } from "../test/harness/processes.js";
import { applySamples } from "./dev-samples.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "2" },
    port: { type: "string" },
    keep: { type: "boolean", default: false },
    "real-node": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run dev -- [--nodes N] [--port PORT] [--keep]
  --nodes N    simulated nodes to create (0: no controller manager, scheduler or kwok); default 2
  --port PORT  serve the API on 127.0.0.1:PORT instead of a free port
  --keep       keep the directory with data, certificates and logs after stopping
  --real-node  a real node (containerd, runc, kubelet, kube-proxy) and the operator from its
               image and manifests, as in the end-to-end tests (Linux, root); see hack/dev-real-node.ts`);
  process.exit(0);
}

if (values["real-node"]) {
  const { runRealNode } = await import("./dev-real-node.js");
  await runRealNode(values.keep);
}

const nodeCount = Number(values.nodes);
if (!Number.isInteger(nodeCount) || nodeCount < 0) {
  console.error(`--nodes must be a whole number, not ${values.nodes}`);
  process.exit(2);
}

const started = Date.now();
const cp = await ControlPlane.start({
  keepDir: values.keep,
  apiServerPort: values.port ? Number(values.port) : undefined,
  log: (m) => console.error(`- ${m}`),
});
onExit(() => console.error(values.keep ? `stopped; files kept in ${cp.dir}` : "stopped"));

let agents: AgentProcess[] = [];
try {
  const kc = cp.kubeConfig();
  console.error("- installing CRDs from crds/");
  const crds = await installCrds(kc);
  if (nodeCount > 0) {
    await cp.startWorkloadComponents();
    const names = Array.from({ length: nodeCount }, (_, i) => `sim-node-${i + 1}`);
    for (const name of names) await cp.createFakeNode(name);
    await Promise.all(names.map((name) => cp.waitForNodeReady(name)));
    console.error(`- ${nodeCount} simulated node(s) Ready: ${names.join(", ")}`);
    agents = await Promise.all(names.map((nodeName) => startAgent(cp, { nodeName, extraArgs: ["--heartbeat=10", "--gc-interval=10", "--gc-grace=60"] })));
    for (const agent of agents) console.error(`- agent on ${agent.nodeName}: kubelet folder ${agent.kubeletDir}, health http://127.0.0.1:${agent.healthPort}/healthz, metrics https://127.0.0.1:${agent.metricsPort}/metrics (a bearer token with get /metrics)`);
  }
  // The admission webhook, registered by URL: the API server calls it on loopback.
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "seccomp-operator-system" } } });
  const [webhookPort] = await freePorts(1);
  const controller = await startController(cp, {
    identity: "dev-controller",
    extraArgs: ["--agent-timeout=30", `--webhook-addr=127.0.0.1:${webhookPort}`, `--webhook-url=https://127.0.0.1:${webhookPort}`, "--operator-namespace=seccomp-operator-system"],
  });
  console.error(`- controller: health http://127.0.0.1:${controller.healthPort}/healthz, metrics https://127.0.0.1:${controller.metricsPort}/metrics, admission webhook https://127.0.0.1:${webhookPort}`);
  const samples = await applySamples(kc);
  console.error(`- sample catalogue applied: ${samples.join(", ")}`);
  const version = await kc.makeApiClient(VersionApi).getCode();

  console.log(`
Kubernetes ${version.gitVersion} control plane ready at ${cp.url} in ${((Date.now() - started) / 1000).toFixed(1)}s
CRDs: ${crds.map((c) => c.metadata?.name).join(", ")}

Point kubectl at it:
  export KUBECONFIG=${cp.kubeconfigPath}
  kubectl get seccompprofiles -A            # the sample catalogue, with Status and Nodes
  kubectl get seccompnodestatuses           # what each node's agent installed
  kubectl describe scp -n seccomp-catalogue go-web-service

Try a workload (the admission webhook sets the profile as it is created):
  kubectl create deployment web --image=web:1 --replicas=2 --dry-run=client -o yaml \\
    | kubectl annotate -f - --local -o yaml seccomp.operator.dev/profile=go-web-service | kubectl apply -f -
  kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].securityContext}'
Or annotate an existing one: the controller patches its template.
${agents.length > 0 ? `  ls -R ${agents[0]!.seccompDir}/operator` : ""}

Logs: ${cp.dir}/*.log
Press Ctrl-C to stop.`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await cp.stop();
  process.exit(1);
}

// The components run detached from this process's event loop; this keeps it
// alive until Ctrl-C, whose handler stops them.
setInterval(() => {}, 1 << 30);
