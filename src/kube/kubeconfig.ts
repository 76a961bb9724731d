// Where a long-running component finds its cluster, in the order
// controller-runtime uses: an explicit --kubeconfig, then KUBECONFIG, then the
// pod's service account, then ~/.kube/config. client-node's own default falls
// back to http://localhost:8080, which would make a misconfigured pod talk to
// whatever listens there; here that case is an error the caller reports.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export type KubeConfigSource = "flag" | "env" | "in-cluster" | "home";

export type KubeConfigResult =
  | { ok: true; kubeConfig: KubeConfig; source: KubeConfigSource }
  | { ok: false; error: string };

export interface KubeConfigOptions {
  /** Path given on the command line (`--kubeconfig`). */
  kubeconfig?: string;
  /** Context to use instead of the file's current context. */
  context?: string;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfigResult {
  const env = process.env;
  const kc = new KubeConfig();
  let source: KubeConfigSource;
  try {
    if (options.kubeconfig) {
      kc.loadFromFile(options.kubeconfig);
      source = "flag";
    } else if (env.KUBECONFIG) {
      loadFileList(kc, env.KUBECONFIG);
      source = "env";
    } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      kc.loadFromCluster();
      source = "in-cluster";
    } else {
      const home = join(homedir(), ".kube", "config");
      if (!existsSync(home)) {
        return { ok: false, error: "no cluster configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod" };
      }
      kc.loadFromFile(home);
      source = "home";
    }
  } catch (err) {
    return { ok: false, error: `loading the kubeconfig: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) return { ok: false, error: `context ${options.context} not found in the kubeconfig` };
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) return { ok: false, error: "the kubeconfig has no current cluster" };
  return { ok: true, kubeConfig: kc, source };
}

/** KUBECONFIG may list several files; as with kubectl, the first current-context wins. */
function loadFileList(kc: KubeConfig, list: string): void {
  const files = list.split(delimiter).filter((f) => f.length > 0);
  const [first, ...rest] = files;
  if (first === undefined) throw new Error("KUBECONFIG lists no file");
  kc.loadFromFile(first);
  for (const file of rest) {
    const other = new KubeConfig();
    other.loadFromFile(file);
    kc.mergeConfig(other, Boolean(kc.getCurrentContext()));
  }
}
