import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CATALOGUE_NAMESPACE } from "../api/names.js";
import type { ClusterAccess } from "../kube/cluster-access.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { createLogger, errorMessage, isLogLevel, type Logger } from "../kube/logger.js";
import type { MetricsServing } from "../kube/manager.js";
import { Shutdown } from "../kube/shutdown.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseListenAddress } from "./flags.js";

/**
 * Default listen addresses of /healthz and /readyz, and of /metrics: distinct, so the controller
 * and an agent can run on one host (a laptop, a single-node cluster with host networking). The
 * admission webhook takes another (--webhook-addr, :9443 in the manifests).
 */
export const DEFAULT_HEALTH_ADDR = { controller: ":8081", agent: ":8082", recorder: ":8083" } as const;
export const DEFAULT_METRICS_ADDR = { controller: ":8443", agent: ":8444", recorder: ":8445" } as const;
const METRICS_AUTH = ["kubernetes", "none"] as const;

/**
 * Reconciles at once by default. The agent's wait on fsyncs, and the file system commits the
 * fsyncs that wait at the same time together: more of them at once install 10,000 profiles in a
 * fraction of the time.
 */
export const DEFAULT_WORKERS = { controller: 4, agent: 16, recorder: 4 } as const;

/** Flags every long-running command takes. */
export function daemonOptions(component: keyof typeof DEFAULT_HEALTH_ADDR) {
  return {
    "catalogue-namespace": { type: "string", default: DEFAULT_CATALOGUE_NAMESPACE },
    "health-addr": { type: "string", default: DEFAULT_HEALTH_ADDR[component] },
    "metrics-addr": { type: "string", default: DEFAULT_METRICS_ADDR[component] },
    "metrics-auth": { type: "string", default: "kubernetes" },
    "metrics-cert-dir": { type: "string" },
    workers: { type: "string", default: String(DEFAULT_WORKERS[component]) },
    kubeconfig: { type: "string" },
    "log-level": { type: "string", default: "info" },
    help: { type: "boolean", short: "h" },
  } as const;
}

export function daemonHelp(component: keyof typeof DEFAULT_HEALTH_ADDR): string {
  return `      --catalogue-namespace NS    where shared base profiles live (default seccomp-catalogue)
      --health-addr HOST:PORT     /healthz and /readyz, open for the kubelet's probes (default ${DEFAULT_HEALTH_ADDR[component]})
      --metrics-addr HOST:PORT    /metrics (default ${DEFAULT_METRICS_ADDR[component]})
      --metrics-auth kubernetes|none
                                  kubernetes (default): HTTPS, and only for a bearer token the API
                                  server authenticates (TokenReview) whose user may get the
                                  non-resource URL /metrics (SubjectAccessReview; the
                                  seccomp-operator-metrics-reader ClusterRole grants it).
                                  none: plain HTTP, open to anyone who reaches the port (logged as
                                  a warning): only behind a NetworkPolicy or on a trusted host
      --metrics-cert-dir DIR      tls.crt and tls.key of /metrics (default: self-signed at start)
      --workers N                 reconciles at once (default ${DEFAULT_WORKERS[component]})
      --kubeconfig FILE           default: KUBECONFIG, in-cluster, then ~/.kube/config
      --log-level LEVEL           error, warn, info (default) or debug
  -h, --help                      this help
`;
}

interface DaemonValues {
  "catalogue-namespace": string;
  "health-addr": string;
  "metrics-addr": string;
  "metrics-auth": string;
  "metrics-cert-dir"?: string | undefined;
  workers: string;
  kubeconfig?: string | undefined;
  "log-level": string;
}

export interface Daemon {
  logger: Logger;
  kubeConfig: ClusterAccess;
  shutdown: Shutdown;
  workers: number;
  health: { host: string; port: number };
  metrics: MetricsServing;
  catalogueNamespace: string;
}

/**
 * The common start of `agent` and `controller`: flags checked, JSON logger, cluster access,
 * and SIGTERM/SIGINT handling. An exit code when the process cannot start.
 */
export function startDaemon(command: string, values: DaemonValues, positionals: string[], fields: Record<string, string>): Daemon | number {
  if (positionals.length > 0) throw new UsageError(`${command} takes no arguments, got ${positionals.join(" ")}`);
  const level = values["log-level"];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be error, warn, info or debug, not ${JSON.stringify(level)}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError("--workers must be a whole number from 1 to 64");
  const health = parseListenAddress(values["health-addr"], "--health-addr");
  const metricsAddr = parseListenAddress(values["metrics-addr"], "--metrics-addr");
  const auth = values["metrics-auth"];
  if (!(METRICS_AUTH as readonly string[]).includes(auth)) throw new UsageError(`--metrics-auth must be kubernetes or none, not ${JSON.stringify(auth)}`);
  const certDir = values["metrics-cert-dir"];
  if (certDir !== undefined && auth === "none") throw new UsageError("--metrics-cert-dir needs --metrics-auth=kubernetes: with none, metrics are plain HTTP");
  const logger = createLogger(command, level).child(fields);
  const config = loadKubeConfig(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig });
  if (!config.ok) {
    logger.error("cannot load a kubeconfig", { error: config.error });
    return EXIT.input;
  }
  const metrics: MetricsServing = { ...metricsAddr, auth: auth as (typeof METRICS_AUTH)[number] };
  if (certDir !== undefined) {
    try {
      metrics.certificate = { cert: readFileSync(join(certDir, "tls.crt"), "utf8"), key: readFileSync(join(certDir, "tls.key"), "utf8") };
    } catch (error) {
      logger.error("cannot read the metrics certificate", { dir: certDir, error: errorMessage(error) });
      return EXIT.input;
    }
  }
  const shutdown = new Shutdown({ logger });
  shutdown.install();
  return { logger, kubeConfig: config.kubeConfig, shutdown, workers, health, metrics, catalogueNamespace: values["catalogue-namespace"] };
}

/** Never settles: the shutdown handler ends the process. */
export function runUntilStopped(): Promise<number> {
  return new Promise<number>(() => undefined);
}
