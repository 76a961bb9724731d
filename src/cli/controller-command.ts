import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { DEFAULT_CATALOGUE_NAMESPACE } from "../api/names.js";
import { Controller } from "../controller/controller.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { createLogger, errorMessage, isLogLevel } from "../kube/logger.js";
import { Shutdown } from "../kube/shutdown.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseListenAddress, parseSeconds } from "./flags.js";

export const CONTROLLER_HELP = `Usage: seccomp-operator controller [options]

Validates SeccompProfiles and reports their status, aggregates what the node agents installed,
keeps a finalizer while a profile is in use, and points the workloads that ask for a profile at
it once it is installed on every node.

      --leader-elect              elect one active replica through a Lease (for 2+ replicas)
      --lease-namespace NS        where the Lease lives (default: POD_NAMESPACE, else seccomp-operator-system)
      --catalogue-namespace NS    where shared profiles live (default seccomp-catalogue)
      --health-addr HOST:PORT     /healthz, /readyz and /metrics (default :8081)
      --agent-timeout SECONDS     a node agent silent this long is not waited for (default 90)
      --workers N                 reconciles at once per queue (default 4)
      --kubeconfig FILE           default: KUBECONFIG, in-cluster, then ~/.kube/config
      --log-level LEVEL           error, warn, info (default) or debug
  -h, --help                      this help
`;

/** `seccomp-operator controller`: runs until SIGTERM or SIGINT. */
export async function controllerCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      "leader-elect": { type: "boolean", default: false },
      "lease-namespace": { type: "string" },
      "lease-duration": { type: "string", default: "15" },
      "catalogue-namespace": { type: "string", default: DEFAULT_CATALOGUE_NAMESPACE },
      "health-addr": { type: "string", default: ":8081" },
      "agent-timeout": { type: "string", default: "90" },
      workers: { type: "string", default: "4" },
      kubeconfig: { type: "string" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    stdout(CONTROLLER_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`controller takes no arguments, got ${positionals.join(" ")}`);
  const level = values["log-level"];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be error, warn, info or debug, not ${JSON.stringify(level)}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError("--workers must be a whole number from 1 to 64");
  const health = parseListenAddress(values["health-addr"], "--health-addr");
  const leaseDurationMs = parseSeconds(values["lease-duration"], "--lease-duration") * 1000;
  const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const logger = createLogger("controller", level).child({ identity });
  const config = loadKubeConfig(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig });
  if (!config.ok) {
    logger.error("cannot load a kubeconfig", { error: config.error });
    return EXIT.input;
  }
  const shutdown = new Shutdown({ logger });
  shutdown.install();
  const controller = new Controller({
    kubeConfig: config.kubeConfig,
    logger,
    catalogueNamespace: values["catalogue-namespace"],
    identity,
    ...(values["leader-elect"]
      ? {
          leaseNamespace: values["lease-namespace"] ?? process.env.POD_NAMESPACE ?? "seccomp-operator-system",
          leaseDurationMs,
          renewDeadlineMs: Math.round(leaseDurationMs * (2 / 3)),
          retryPeriodMs: Math.max(500, Math.round(leaseDurationMs / 7)),
        }
      : {}),
    staleAfterMs: parseSeconds(values["agent-timeout"], "--agent-timeout") * 1000,
    workers,
    healthHost: health.host,
    healthPort: health.port,
    onLostLeadership: () => void shutdown.shutdown("leadership lost", 1),
  });
  shutdown.register("controller", () => controller.stop());
  try {
    await controller.start();
    logger.info("controller started", { healthPort: controller.healthPort, leaderElection: values["leader-elect"] });
  } catch (error) {
    logger.error("controller failed to start", { error: errorMessage(error) });
    await controller.stop().catch(() => undefined);
    return 1;
  }
  return new Promise<number>(() => {
    // Runs until the shutdown handler exits the process.
  });
}
