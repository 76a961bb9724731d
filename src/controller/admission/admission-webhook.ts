// The mutating admission webhook, served by every replica (not only the leader): workloads and
// bare pods that name a profile get its pinned path as they are created, when the profile
// gate says it is installed on every live node. The leader keeps the certificates and the
// webhook configuration current.
import { Counter, Histogram } from "prom-client";
import { admissionResponse, type AdmissionRequest, type AdmissionResponse } from "../../kube/admission-review.js";
import { errorMessage } from "../../kube/logger.js";
import type { Manager } from "../../kube/manager.js";
import { every } from "../../kube/periodic.js";
import type { RotationPolicy } from "../../kube/certificate-rotation.js";
import { WebhookServer, type ServingCertificate, type WebhookServerLimits } from "../../kube/webhook-server.js";
import type { ReadinessLookup } from "../profiles/readiness-index.js";
import { mutateProfiles } from "./profile-mutation.js";
import { currentCertificate, rotateCertificates, type CertificateSource } from "./webhook-certificates.js";
import { applyWebhookConfiguration, PODS_PATH, WORKLOADS_PATH, type WebhookConfigurationOptions } from "./webhook-configuration.js";

export interface AdmissionWebhookSetup {
  host: string;
  /** 0 for any free port. */
  port: number;
  lookup: ReadinessLookup;
  /** The configuration the leader applies; its CA bundle is added when certificates are self-managed. */
  configuration: Omit<WebhookConfigurationOptions, "caBundle">;
  certificates: { selfManaged: { secret: { namespace: string; name: string }; policy: RotationPolicy } } | { dir: string };
  /** How often replicas re-read the certificate and the leader checks rotation. */
  checkIntervalMs: number;
  /** The server's bounds; its defaults where unset. */
  limits?: Partial<WebhookServerLimits>;
}

export interface AdmissionWebhook {
  /** The port served, once serving (with port 0: the one chosen). */
  readonly port: number | undefined;
}

export function setupAdmissionWebhook(manager: Manager, setup: AdmissionWebhookSetup): AdmissionWebhook {
  const logger = manager.logger.child({ component: "admission-webhook" });
  const reviews = new Counter({
    name: "seccomp_admission_reviews_total",
    help: "Admission reviews answered, by kind and outcome (mutated, unchanged, pending, error).",
    labelNames: ["kind", "outcome"],
    registers: [manager.registry],
  });
  const duration = new Histogram({
    name: "seccomp_admission_review_duration_seconds",
    help: "Time to answer one admission review.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registers: [manager.registry],
  });

  const review = (request: AdmissionRequest): AdmissionResponse => {
    const end = duration.startTimer();
    const key = `${request.kind.kind}/${request.namespace ?? ""}/${request.name ?? request.object?.metadata?.generateName ?? ""}`;
    try {
      const mutation = mutateProfiles(request, setup.lookup);
      if (mutation === undefined) return admissionResponse(request.uid, []);
      reviews.inc({ kind: mutation.kind, outcome: mutation.outcome });
      if (mutation.outcome !== "unchanged") logger.info("admission review", { key, operation: request.operation, outcome: mutation.outcome, patch: mutation.patch, warnings: mutation.warnings });
      return admissionResponse(request.uid, mutation.patch, mutation.warnings);
    } catch (error) {
      // Never block a create for our own fault: admitted as it is, the controller patches later.
      reviews.inc({ kind: request.kind.kind, outcome: "error" });
      logger.error("admission review failed, admitted unchanged", { key, error: errorMessage(error) });
      return admissionResponse(request.uid, []);
    } finally {
      end();
    }
  };

  const source: CertificateSource = "dir" in setup.certificates ? { dir: setup.certificates.dir } : { secret: setup.certificates.selfManaged.secret };
  let server: WebhookServer | undefined;
  let served: string | undefined;
  let serving: Promise<void> = Promise.resolve();
  // One at a time: the replica's reads of the Secret and the leader's rotation both serve what they hold.
  const serve = (certificate: ServingCertificate): Promise<void> =>
    (serving = serving
      .catch(() => undefined)
      .then(async () => {
        if (`${certificate.cert}${certificate.key}` === served) return;
        if (server === undefined) {
          server = await WebhookServer.start({ host: setup.host, port: setup.port, certificate, handlers: { [WORKLOADS_PATH]: review, [PODS_PATH]: review }, logger, ...(setup.limits ? { limits: setup.limits } : {}) });
        } else {
          server.setCertificate(certificate);
          logger.info("serving a new certificate");
        }
        served = `${certificate.cert}${certificate.key}`;
      }));
  let reloader: { stop(): Promise<void> } | undefined;
  manager.addReadyCheck("admission-webhook", () => server !== undefined || "no serving certificate yet");
  manager.add({
    name: "admission-webhook",
    leaderOnly: false,
    // Does not wait for a certificate: on the leader it is the leader-only rotation that makes the first.
    start: () => {
      reloader = every(
        setup.checkIntervalMs,
        async (signal) => {
          const certificate = await currentCertificate(manager.client, source, signal);
          if (certificate !== undefined) await serve(certificate);
        },
        "reading the webhook certificate",
        logger,
      );
    },
    stop: async () => {
      await reloader?.stop();
      await serving.catch(() => undefined);
      await server?.close();
    },
  });

  let rotation: { stop(): Promise<void> } | undefined;
  manager.add({
    name: "webhook-configuration",
    leaderOnly: true,
    start: () => {
      const certificates = setup.certificates;
      if ("dir" in certificates) {
        // The CA bundle is someone else's (a certificate manager injects it): only the rest is applied.
        rotation = every(60_000, (signal) => applyWebhookConfiguration(manager.client, setup.configuration, signal), "applying the webhook configuration", logger);
        return;
      }
      let applied = false;
      const options = { client: manager.client, secret: certificates.selfManaged.secret, policy: certificates.selfManaged.policy, configuration: setup.configuration, logger };
      rotation = every(
        setup.checkIntervalMs,
        async (signal) => {
          await rotateCertificates(options, signal, { applyConfiguration: !applied, serve });
          applied = true;
        },
        "rotating the webhook certificates",
        logger,
      );
    },
    stop: () => rotation?.stop(),
  });

  return {
    get port() {
      return server?.port;
    },
  };
}
