// `npm run dev -- --real-node`: the operator as a cluster runs it, on this
// machine (Linux, root): a real node (containerd, runc, kubelet, kube-proxy,
// in namespaces of their own; see test/harness/real-node.ts), the operator's
// image built from the Dockerfile, installed from dist/install.yaml through
// test/e2e/overlay, the sample catalogue and the operator's own profile, as the
// end-to-end tests run it. Ctrl-C removes all of it.
import { VersionApi } from "@kubernetes/client-node";
import { BUSYBOX_IMAGE, E2eCluster, ensureImages, OPERATOR_NAMESPACE, OPERATOR_IMAGE_ARCHIVE, PAUSE_IMAGE_ARCHIVE, BUSYBOX_IMAGE_ARCHIVE } from "../test/harness/e2e-cluster.js";
import { onExit } from "../test/harness/processes.js";
import { RealNode, realNodeUnavailable } from "../test/harness/real-node.js";

export async function runRealNode(keep: boolean): Promise<never> {
  const unavailable = realNodeUnavailable();
  if (unavailable) {
    console.error(`--real-node: ${unavailable}`);
    process.exit(1);
  }
  const started = Date.now();
  const log = (m: string) => console.error(`- ${m}`);
  await ensureImages(log);
  const node = await RealNode.start({ images: [PAUSE_IMAGE_ARCHIVE, BUSYBOX_IMAGE_ARCHIVE, OPERATOR_IMAGE_ARCHIVE], keepDir: keep, log });
  onExit(() => console.error(keep ? `stopped; logs kept in ${node.dir}` : "stopped; nothing left behind"));
  const cluster = new E2eCluster(node);
  try {
    log("installing the operator (dist/install.yaml, test/e2e/overlay) and the samples");
    await cluster.install();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await node.stop();
    process.exit(1);
  }
  const version = await node.kubeConfig().makeApiClient(VersionApi).getCode();
  console.log(`
Kubernetes ${version.gitVersion} with the real node ${node.nodeName} ready at ${node.url} in ${((Date.now() - started) / 1000).toFixed(1)}s;
the operator runs from its image: the controller under its own profile, the agent under RuntimeDefault.

  export KUBECONFIG=${node.kubeconfigPath}
  kubectl get pods -n ${OPERATOR_NAMESPACE} -o wide
  kubectl get seccompprofiles -A
  kubectl get seccompnodestatuses
  ls -R ${node.kubeletDir}/seccomp/operator       # what the agent wrote (the node's /var/lib/kubelet)

Try a confined pod (images: ${BUSYBOX_IMAGE}, imagePullPolicy: Never):
kubectl apply -f - <<'YAML'
apiVersion: seccomp.operator.dev/v1alpha1
kind: SeccompProfile
metadata: {name: audit-all, namespace: default}
spec: {defaultAction: SCMP_ACT_LOG, syscalls: [{names: [exit, exit_group, rt_sigreturn], action: SCMP_ACT_ALLOW}]}
YAML
  kubectl create deployment probe --image=${BUSYBOX_IMAGE} -- sh -c 'grep Seccomp /proc/self/status; uname -a; sleep 3600'
  kubectl patch deployment probe --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"Never"}]'
  kubectl annotate deployment probe seccomp.operator.dev/profile=audit-all
  kubectl rollout status deploy/probe && kubectl logs deploy/probe   # Seccomp: 2
  dmesg | grep type=1326 | tail                  # what the audit profile logged

Logs: ${node.dir}/*.log
Press Ctrl-C to stop.`);
  // The components run detached from this event loop; this keeps it alive
  // until Ctrl-C, whose handler tears the node down.
  setInterval(() => {}, 1 << 30);
  return new Promise<never>(() => {});
}
