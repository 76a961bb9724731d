// kube-controller-manager: the controllers that make workloads behave as in a
// cluster (Deployment -> ReplicaSet -> Pods, garbage collection of dependents,
// namespace deletion, service-account tokens, node lifecycle).
import type { CertificateAuthority } from "./certs.js";
import { controllerManagerArgs, startKubeComponent, type KubeComponentOptions } from "./kube-component.js";
import type { ManagedProcess } from "./processes.js";

export interface ControllerManagerOptions extends KubeComponentOptions {
  ca: CertificateAuthority;
  serviceAccountPrivateKeyFile: string;
}

export function startControllerManager(options: ControllerManagerOptions): Promise<ManagedProcess> {
  return startKubeComponent("kube-controller-manager", options, controllerManagerArgs(options.ca, options.serviceAccountPrivateKeyFile));
}
