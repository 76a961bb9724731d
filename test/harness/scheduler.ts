// kube-scheduler: binds pending pods to (simulated) nodes.
import { startKubeComponent, type KubeComponentOptions } from "./kube-component.js";
import type { ManagedProcess } from "./processes.js";

export function startScheduler(options: KubeComponentOptions): Promise<ManagedProcess> {
  return startKubeComponent("kube-scheduler", options, []);
}
