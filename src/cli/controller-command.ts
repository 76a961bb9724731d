import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { DIGEST_SALT_SECRET } from "../api/digest-salt.js";
import { createController } from "../controller/controller.js";
import { obtainDigestSalt } from "../controller/nodes/digest-salt-secret.js";
import { RestClient } from "../kube/rest-client.js";
import { errorMessage } from "../kube/logger.js";
import { daemonHelp, daemonOptions, runUntilStopped, startDaemon } from "./daemon.js";
import { EXIT } from "./exit-codes.js";
import { parseSeconds } from "./flags.js";
import { WEBHOOK_HELP, WEBHOOK_OPTIONS, webhookSetup } from "./webhook-flags.js";

export const CONTROLLER_HELP = `Usage: seccomp-operator controller [options]

Validates SeccompProfiles and reports their status, aggregates what the node agents installed,
keeps a finalizer while a profile is in use, and points the workloads that ask for a profile at
it once it is installed on every node.

      --leader-elect              elect one active replica through a Lease (for 2+ replicas)
      --lease-namespace NS        where the Lease lives (default: POD_NAMESPACE, else seccomp-operator-system)
      --lease-duration SECONDS    how long a leader's Lease lasts without renewal (default 15)
      --agent-timeout SECONDS     a node agent silent this long is not waited for (default 90)
      --operator-namespace NS     the operator's namespace: webhook Secret and Service, digest
                                  salt Secret (created when absent, never changed), never
                                  sent to the webhook (default: POD_NAMESPACE, else seccomp-operator-system)
${WEBHOOK_HELP}${daemonHelp("controller")}`;

/** `seccomp-operator controller`: runs until SIGTERM or SIGINT. */
export async function controllerCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      ...daemonOptions("controller"),
      "leader-elect": { type: "boolean", default: false },
      "lease-namespace": { type: "string" },
      "lease-duration": { type: "string", default: "15" },
      "agent-timeout": { type: "string", default: "90" },
      "operator-namespace": { type: "string" },
      ...WEBHOOK_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    stdout(CONTROLLER_HELP);
    return EXIT.ok;
  }
  const leaseDurationMs = parseSeconds(values["lease-duration"], "--lease-duration", 2) * 1000;
  const staleAfterMs = parseSeconds(values["agent-timeout"], "--agent-timeout", 1) * 1000;
  const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const operatorNamespace = values["operator-namespace"] ?? process.env.POD_NAMESPACE ?? "seccomp-operator-system";
  const webhook = webhookSetup(values, operatorNamespace);
  const daemon = startDaemon("controller", values, positionals, { identity });
  if (typeof daemon === "number") return daemon;
  // Every replica needs the salt to read the digests; whichever starts first creates it.
  const saltSecret = { namespace: operatorNamespace, name: DIGEST_SALT_SECRET };
  const digestSalt = await obtainDigestSalt(new RestClient(daemon.kubeConfig), saltSecret, daemon.logger);
  const controller = createController({
    digestSalt,
    kubeConfig: daemon.kubeConfig,
    logger: daemon.logger,
    catalogueNamespace: daemon.catalogueNamespace,
    identity,
    ...(values["leader-elect"]
      ? {
          leaseNamespace: values["lease-namespace"] ?? process.env.POD_NAMESPACE ?? "seccomp-operator-system",
          leaseDurationMs,
          renewDeadlineMs: Math.round(leaseDurationMs * (2 / 3)),
          retryPeriodMs: Math.max(500, Math.round(leaseDurationMs / 7)),
        }
      : {}),
    staleAfterMs,
    workers: daemon.workers,
    healthHost: daemon.health.host,
    healthPort: daemon.health.port,
    metrics: daemon.metrics,
    onLostLeadership: () => void daemon.shutdown.shutdown("leadership lost", 1),
    ...(webhook === undefined ? {} : { webhook }),
  });
  daemon.shutdown.register("controller", () => controller.stop());
  try {
    await controller.start();
    daemon.logger.info("controller started", { healthPort: controller.healthPort, metricsPort: controller.metricsPort, leaderElection: values["leader-elect"] });
  } catch (error) {
    daemon.logger.error("controller failed to start", { error: errorMessage(error) });
    await controller.stop().catch(() => undefined);
    return 1;
  }
  return runUntilStopped();
}
