// How the REST client reaches the API server: the server URL, plus the TLS material and
// credentials to put on each request. client-node's KubeConfig has this shape too, so tests
// may pass one; the daemons use the light loader in kubeconfig.ts, which keeps client-node's
// ~90 MiB of generated models out of every node's memory.
import type { RequestOptions } from "node:https";

export interface ClusterAccess {
  getCurrentCluster(): { server: string } | null;
  /** Adds the agent (TLS) and the Authorization header; called for every request. */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}
