// The controller's admission webhook flags: off unless --webhook-addr is given; registered
// through the in-cluster Service, or by --webhook-url for a controller outside the cluster.
import type { AdmissionWebhookSetup } from "../controller/admission/admission-webhook.js";
import { DEFAULT_LIMITS, MAX_BODY_BYTES } from "../kube/webhook-server.js";
import { servingNames } from "../kube/x509-certificates.js";
import { UsageError } from "./exit-codes.js";
import { parseListenAddress, parseSeconds } from "./flags.js";

const MIB = 1024 * 1024;

export const WEBHOOK_HELP = `      --webhook-addr HOST:PORT    serve the mutating admission webhook here (default: no webhook)
      --webhook-url URL           register the webhook at this https URL (a controller outside
                                  the cluster) rather than at the Service
      --webhook-service NAME:PORT the webhook's Service in the operator's namespace
                                  (default seccomp-operator-webhook:443)
      --webhook-config NAME       the MutatingWebhookConfiguration kept applied (default seccomp-operator)
      --webhook-failure-policy P  Ignore (default: a webhook that cannot answer never blocks a
                                  create; the controller patches later) or Fail
      --webhook-timeout SECONDS   the API server's limit for one review (default 3, 1 to 30)
      --webhook-cert-dir DIR      serve DIR/tls.crt and DIR/tls.key (e.g. from cert-manager, which
                                  also injects the CA bundle) instead of self-managed certificates
      --webhook-secret NAME       Secret for the self-managed CA and certificate (default
                                  seccomp-operator-webhook-tls)
      --webhook-cert-validity SECONDS  serving certificate lifetime (default 2592000: 30 days)
      --webhook-ca-validity SECONDS    CA lifetime (default 12 times the certificate's); each is
                                  renewed with a third of its lifetime left
      --webhook-check-interval SECONDS how often certificates are re-read and checked (default 10)
      --webhook-max-connections N connections served at once (default 256); more are dropped
      --webhook-max-inflight-mib N request bodies held at once, all connections together (default
                                  32, at least 7: one review of the largest size); past it: 503
`;

export const WEBHOOK_OPTIONS = {
  "webhook-addr": { type: "string" },
  "webhook-url": { type: "string" },
  "webhook-service": { type: "string", default: "seccomp-operator-webhook:443" },
  "webhook-config": { type: "string", default: "seccomp-operator" },
  "webhook-failure-policy": { type: "string", default: "Ignore" },
  "webhook-timeout": { type: "string", default: "3" },
  "webhook-cert-dir": { type: "string" },
  "webhook-secret": { type: "string", default: "seccomp-operator-webhook-tls" },
  "webhook-cert-validity": { type: "string", default: String(30 * 24 * 3600) },
  "webhook-ca-validity": { type: "string" },
  "webhook-check-interval": { type: "string", default: "10" },
  "webhook-max-connections": { type: "string", default: String(DEFAULT_LIMITS.maxConnections) },
  "webhook-max-inflight-mib": { type: "string", default: String(DEFAULT_LIMITS.maxInFlightBytes / MIB) },
} as const;

interface WebhookValues {
  "webhook-addr"?: string | undefined;
  "webhook-url"?: string | undefined;
  "webhook-service": string;
  "webhook-config": string;
  "webhook-failure-policy": string;
  "webhook-timeout": string;
  "webhook-cert-dir"?: string | undefined;
  "webhook-secret": string;
  "webhook-cert-validity": string;
  "webhook-ca-validity"?: string | undefined;
  "webhook-check-interval": string;
  "webhook-max-connections": string;
  "webhook-max-inflight-mib": string;
}

export function webhookSetup(values: WebhookValues, operatorNamespace: string): Omit<AdmissionWebhookSetup, "lookup"> | undefined {
  const addr = values["webhook-addr"];
  if (addr === undefined) {
    const stray = (Object.keys(WEBHOOK_OPTIONS) as (keyof WebhookValues)[]).find((k) => k !== "webhook-addr" && values[k] !== undefined && values[k] !== (WEBHOOK_OPTIONS[k] as { default?: string }).default);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --webhook-addr`);
    return undefined;
  }
  const listen = parseListenAddress(addr, "--webhook-addr");
  const policy = values["webhook-failure-policy"];
  if (policy !== "Ignore" && policy !== "Fail") throw new UsageError(`--webhook-failure-policy must be Ignore or Fail, not ${JSON.stringify(policy)}`);
  const timeoutSeconds = parseSeconds(values["webhook-timeout"], "--webhook-timeout", 1);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds > 30) throw new UsageError("--webhook-timeout must be a whole number of seconds from 1 to 30");
  const validityMs = parseSeconds(values["webhook-cert-validity"], "--webhook-cert-validity", 3) * 1000;
  const caFlag = values["webhook-ca-validity"];
  const caValidityMs = caFlag === undefined ? validityMs * 12 : parseSeconds(caFlag, "--webhook-ca-validity", 3) * 1000;
  if (caValidityMs < validityMs * 3) throw new UsageError("--webhook-ca-validity must be at least 3 times --webhook-cert-validity: a certificate, issued while its CA has a third left, must not outlive it");
  const checkIntervalMs = parseSeconds(values["webhook-check-interval"], "--webhook-check-interval", 0.1) * 1000;
  const maxConnections = Number(values["webhook-max-connections"]);
  if (!/^\d+$/.test(values["webhook-max-connections"]) || maxConnections < 1) throw new UsageError(`--webhook-max-connections must be a whole number from 1, not ${JSON.stringify(values["webhook-max-connections"])}`);
  const inFlightMiB = Number(values["webhook-max-inflight-mib"]);
  if (!/^\d+$/.test(values["webhook-max-inflight-mib"]) || inFlightMiB * MIB < MAX_BODY_BYTES) {
    throw new UsageError(`--webhook-max-inflight-mib must be a whole number from ${MAX_BODY_BYTES / MIB} (one review of the largest size), not ${JSON.stringify(values["webhook-max-inflight-mib"])}`);
  }

  let endpoint: AdmissionWebhookSetup["configuration"]["endpoint"];
  let hosts: string[];
  const url = values["webhook-url"];
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--webhook-url must be an https URL, not ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "https:" || parsed.search !== "" || parsed.hash !== "" || parsed.username !== "") throw new UsageError(`--webhook-url must be https://HOST[:PORT][/PATH] without query or user, not ${JSON.stringify(url)}`);
    endpoint = { url: `${parsed.origin}${parsed.pathname.replace(/\/$/, "")}` };
    hosts = [parsed.hostname.replace(/^\[(.*)\]$/, "$1")];
  } else {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d+)$/.exec(values["webhook-service"]);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65535) throw new UsageError(`--webhook-service must be NAME:PORT, not ${JSON.stringify(values["webhook-service"])}`);
    const name = match[1]!;
    endpoint = { service: { namespace: operatorNamespace, name, port } };
    hosts = [`${name}.${operatorNamespace}.svc`, `${name}.${operatorNamespace}.svc.cluster.local`, `${name}.${operatorNamespace}`, name];
  }
  const dir = values["webhook-cert-dir"];
  return {
    host: listen.host,
    port: listen.port,
    checkIntervalMs,
    limits: { maxConnections, maxInFlightBytes: inFlightMiB * MIB },
    configuration: {
      name: values["webhook-config"],
      endpoint,
      failurePolicy: policy,
      timeoutSeconds,
      excludedNamespaces: [...new Set([operatorNamespace, "kube-system"])],
    },
    certificates:
      dir !== undefined
        ? { dir }
        : {
            selfManaged: {
              secret: { namespace: operatorNamespace, name: values["webhook-secret"] },
              policy: { names: servingNames(hosts), servingValidityMs: validityMs, caValidityMs, caCommonName: "seccomp-operator-webhook-ca" },
            },
          },
  };
}
