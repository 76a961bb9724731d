import { parseArgs } from "node:util";
import { DEFAULT_CATALOGUE_NAMESPACE } from "../api/names.js";
import { NodeAgent } from "../agent/agent.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { createLogger, errorMessage, isLogLevel } from "../kube/logger.js";
import { Shutdown } from "../kube/shutdown.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseListenAddress, parseSeconds } from "./flags.js";

export const AGENT_HELP = `Usage: NODE_NAME=<node> seccomp-operator agent [options]

Installs every SeccompProfile in this node's kubelet seccomp folder and reports what it
installed in the SeccompNodeStatus named after the node.

      --kubelet-dir DIR           the kubelet's root folder (default /var/lib/kubelet)
      --namespace NS              only profiles of this namespace (and of the catalogue)
      --catalogue-namespace NS    where shared base profiles live (default seccomp-catalogue)
      --health-addr HOST:PORT     /healthz, /readyz and /metrics (default :8081)
      --gc-grace SECONDS          keep an unused pinned file this long (default 600)
      --gc-interval SECONDS       look for unused pinned files this often (default 30)
      --heartbeat SECONDS         write the node status at least this often (default 30)
      --workers N                 profiles installed at once (default 4)
      --kubeconfig FILE           default: KUBECONFIG, in-cluster, then ~/.kube/config
      --log-level LEVEL           error, warn, info (default) or debug
  -h, --help                      this help
`;

/** `seccomp-operator agent`: runs until SIGTERM or SIGINT. */
export async function agentCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      "kubelet-dir": { type: "string", default: "/var/lib/kubelet" },
      namespace: { type: "string" },
      "catalogue-namespace": { type: "string", default: DEFAULT_CATALOGUE_NAMESPACE },
      "health-addr": { type: "string", default: ":8081" },
      "gc-grace": { type: "string", default: "600" },
      "gc-interval": { type: "string", default: "30" },
      heartbeat: { type: "string", default: "30" },
      workers: { type: "string", default: "4" },
      kubeconfig: { type: "string" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    stdout(AGENT_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`agent takes no arguments, got ${positionals.join(" ")}`);
  const nodeName = process.env.NODE_NAME;
  if (nodeName === undefined || nodeName === "") throw new UsageError("NODE_NAME is not set: the agent must know its node (set it from spec.nodeName in the DaemonSet)");
  const level = values["log-level"];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be error, warn, info or debug, not ${JSON.stringify(level)}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError("--workers must be a whole number from 1 to 64");
  const health = parseListenAddress(values["health-addr"], "--health-addr");

  const logger = createLogger("agent", level).child({ node: nodeName });
  const config = loadKubeConfig(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig });
  if (!config.ok) {
    logger.error("cannot load a kubeconfig", { error: config.error });
    return EXIT.input;
  }
  const shutdown = new Shutdown({ logger });
  shutdown.install();
  try {
    const agent = await NodeAgent.start({
      nodeName,
      kubeletDir: values["kubelet-dir"],
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      catalogueNamespace: values["catalogue-namespace"],
      kubeConfig: config.kubeConfig,
      logger,
      healthHost: health.host,
      healthPort: health.port,
      workers,
      gcGraceMs: parseSeconds(values["gc-grace"], "--gc-grace") * 1000,
      gcIntervalMs: Math.max(100, parseSeconds(values["gc-interval"], "--gc-interval") * 1000),
      heartbeatMs: parseSeconds(values.heartbeat, "--heartbeat") * 1000,
    });
    shutdown.register("agent", () => agent.stop());
    logger.info("agent started", { kubeletDir: values["kubelet-dir"], healthPort: agent.healthPort });
  } catch (error) {
    logger.error("agent failed to start", { error: errorMessage(error) });
    return 1;
  }
  return new Promise<number>(() => {
    // Runs until the shutdown handler exits the process.
  });
}
