// A local control plane for development: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok with a few simulated nodes,
// the CRDs from crds/ installed. Runs until Ctrl-C, then stops everything.
//
//   npm run dev                      # two simulated nodes
//   npm run dev -- --nodes 0         # API server and etcd only
//   npm run dev -- --port 6443 --keep
import { parseArgs } from "node:util";
import { VersionApi } from "@kubernetes/client-node";
import { ControlPlane } from "../test/harness/control-plane.js";
import { installCrds } from "../test/harness/crds.js";
import { onExit } from "../test/harness/processes.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "2" },
    port: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run dev -- [--nodes N] [--port PORT] [--keep]
  --nodes N    simulated nodes to create (0: no controller manager, scheduler or kwok); default 2
  --port PORT  serve the API on 127.0.0.1:PORT instead of a free port
  --keep       keep the directory with data, certificates and logs after stopping`);
  process.exit(0);
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
  }
  const version = await kc.makeApiClient(VersionApi).getCode();

  console.log(`
Kubernetes ${version.gitVersion} control plane ready at ${cp.url} in ${((Date.now() - started) / 1000).toFixed(1)}s
CRDs: ${crds.map((c) => c.metadata?.name).join(", ")}

Point kubectl at it:
  export KUBECONFIG=${cp.kubeconfigPath}
  kubectl get nodes
  kubectl api-resources --api-group=seccomp.operator.dev

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
