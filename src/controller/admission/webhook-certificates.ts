// Where the webhook's serving certificate comes from. Self-managed: the leader keeps a CA and a
// serving certificate in one Secret (rotating both, see kube/certificate-rotation.ts) and the
// CA bundle of the webhook configuration current; every replica reads the Secret and serves
// what it holds. Or a certificate directory (`tls.crt`, `tls.key`, e.g. from cert-manager),
// read again when its files change.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { planRotation, type CertificateData, type RotationPolicy } from "../../kube/certificate-rotation.js";
import type { Logger } from "../../kube/logger.js";
import type { KubeObject } from "../../kube/objects.js";
import type { Resource } from "../../kube/resource.js";
import type { RestClient } from "../../kube/rest-client.js";
import type { ServingCertificate } from "../../kube/webhook-server.js";
import { FIELD_MANAGER } from "../../api/names.js";
import { applyWebhookConfiguration, trustedBundle, type WebhookConfigurationOptions } from "./webhook-configuration.js";

export const SECRETS: Resource = { group: "", version: "v1", plural: "secrets" };
const KEYS = ["ca.crt", "ca.key", "tls.crt", "tls.key"] as const;

export type CertificateSource = { secret: { namespace: string; name: string } } | { dir: string };

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** The Secret's four keys decoded; undefined when it is missing or lacks one. */
export async function readCertificateSecret(client: RestClient, ref: { namespace: string; name: string }, signal?: AbortSignal): Promise<{ data: CertificateData | undefined; resourceVersion: string | undefined }> {
  const secret = await client.find<SecretObject>({ ...SECRETS, ...ref }, signal ? { signal } : {});
  const raw = secret?.data ?? {};
  const complete = KEYS.every((k) => typeof raw[k] === "string" && raw[k] !== "");
  const data = complete ? (Object.fromEntries(KEYS.map((k) => [k, Buffer.from(raw[k]!, "base64").toString("utf8")])) as unknown as CertificateData) : undefined;
  return { data, resourceVersion: secret?.metadata?.resourceVersion };
}

/** The serving pair now, from the Secret or the directory; undefined while there is none yet. */
export async function currentCertificate(client: RestClient, source: CertificateSource, signal?: AbortSignal): Promise<ServingCertificate | undefined> {
  if ("dir" in source) {
    try {
      const [cert, key] = await Promise.all([readFile(join(source.dir, "tls.crt"), "utf8"), readFile(join(source.dir, "tls.key"), "utf8")]);
      return { cert, key };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
  const { data } = await readCertificateSecret(client, source.secret, signal);
  return data === undefined ? undefined : { cert: data["tls.crt"], key: data["tls.key"] };
}

export interface CertificateRotatorOptions {
  client: RestClient;
  secret: { namespace: string; name: string };
  policy: RotationPolicy;
  configuration: Omit<WebhookConfigurationOptions, "caBundle">;
  logger: Logger;
}

/**
 * One round of the leader's loop: rotate what is due, store it, serve it (`serve`: the leader's
 * own server, so that the configuration never names a CA no replica serves a certificate of,
 * not even until the replicas' next read of the Secret), then make the webhook configuration
 * trust the stored bundle (and apply all of it when asked: a new leader's flags). Idempotent; a
 * failed write is tried next round.
 */
export async function rotateCertificates(
  o: CertificateRotatorOptions,
  signal?: AbortSignal,
  options: { applyConfiguration?: boolean; serve?: (certificate: ServingCertificate) => Promise<void> } = {},
): Promise<void> {
  const { data: current, resourceVersion } = await readCertificateSecret(o.client, o.secret, signal);
  const trusted = await trustedBundle(o.client, o.configuration.name, signal);
  const decision = planRotation(current, trusted, o.policy);
  let data = current;
  if (decision.data !== undefined) {
    data = decision.data;
    const body: SecretObject = {
      apiVersion: "v1",
      kind: "Secret",
      // The resourceVersion makes a write based on an outdated read fail (another leader wrote).
      metadata: { name: o.secret.name, namespace: o.secret.namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
      type: "Opaque",
      data: Object.fromEntries(KEYS.map((k) => [k, Buffer.from(data![k]).toString("base64")])),
    };
    await o.client.apply({ ...SECRETS, ...o.secret }, body, { fieldManager: FIELD_MANAGER, force: true, ...(signal ? { signal } : {}) });
    o.logger.info("webhook certificates stored", { key: `${o.secret.namespace}/${o.secret.name}`, reasons: decision.reasons });
  }
  if (data !== undefined && (options.applyConfiguration === true || trusted !== data["ca.crt"])) {
    await options.serve?.({ cert: data["tls.crt"], key: data["tls.key"] });
    await applyWebhookConfiguration(o.client, { ...o.configuration, caBundle: data["ca.crt"] }, signal);
    o.logger.info("webhook configuration trusts the current CA bundle", { key: o.configuration.name });
  }
}
