import { parseArgs } from "node:util";
import { createAgent } from "../agent/agent.js";
import { DIGEST_SALT_SECRET } from "../api/digest-salt.js";
import { errorMessage } from "../kube/logger.js";
import { daemonHelp, daemonOptions, runUntilStopped, startDaemon } from "./daemon.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseSeconds } from "./flags.js";

export const AGENT_HELP = `Usage: NODE_NAME=<node> seccomp-operator agent [options]

Installs every SeccompProfile in this node's kubelet seccomp folder and reports what it
installed in the SeccompNodeStatus named after the node.

      --kubelet-dir DIR           the kubelet's root folder (default /var/lib/kubelet)
      --namespace NS              only profiles of this namespace (and of the catalogue)
      --gc-grace SECONDS          keep an unused pinned file this long (default 600)
      --gc-interval SECONDS       look for unused pinned files this often (default 30)
      --heartbeat SECONDS         write the node status at least this often (default 30)
      --operator-namespace NS     where the controller keeps the digest salt Secret
                                  (default: POD_NAMESPACE, else seccomp-operator-system)
${daemonHelp("agent")}`;

/** `seccomp-operator agent`: runs until SIGTERM or SIGINT. */
export async function agentCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...daemonOptions("agent"),
      "kubelet-dir": { type: "string", default: "/var/lib/kubelet" },
      namespace: { type: "string" },
      "gc-grace": { type: "string", default: "600" },
      "gc-interval": { type: "string", default: "30" },
      heartbeat: { type: "string", default: "30" },
      "operator-namespace": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    stdout(AGENT_HELP);
    return EXIT.ok;
  }
  const nodeName = process.env.NODE_NAME;
  if (nodeName === undefined || nodeName === "") throw new UsageError("NODE_NAME is not set: the agent must know its node (set it from spec.nodeName in the DaemonSet)");
  const gcGraceMs = parseSeconds(values["gc-grace"], "--gc-grace") * 1000;
  const gcIntervalMs = parseSeconds(values["gc-interval"], "--gc-interval", 0.1) * 1000;
  const heartbeatMs = parseSeconds(values.heartbeat, "--heartbeat", 1) * 1000;
  const daemon = startDaemon("agent", values, positionals, { node: nodeName });
  if (typeof daemon === "number") return daemon;
  try {
    const agent = createAgent({
      nodeName,
      kubeletDir: values["kubelet-dir"],
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      catalogueNamespace: daemon.catalogueNamespace,
      saltSecret: { namespace: values["operator-namespace"] ?? process.env.POD_NAMESPACE ?? "seccomp-operator-system", name: DIGEST_SALT_SECRET },
      kubeConfig: daemon.kubeConfig,
      logger: daemon.logger,
      healthHost: daemon.health.host,
      healthPort: daemon.health.port,
      metrics: daemon.metrics,
      workers: daemon.workers,
      gcGraceMs,
      gcIntervalMs,
      heartbeatMs,
    });
    await agent.start();
    daemon.shutdown.register("agent", () => agent.stop());
    daemon.logger.info("agent started", { kubeletDir: values["kubelet-dir"], healthPort: agent.healthPort, metricsPort: agent.metricsPort });
  } catch (error) {
    daemon.logger.error("agent failed to start", { error: errorMessage(error) });
    return 1;
  }
  return runUntilStopped();
}
