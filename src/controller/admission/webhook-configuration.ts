// The MutatingWebhookConfiguration the controller keeps applied: which requests reach the
// webhook (only objects carrying the operator's annotations, never in the operator's own
// namespace or kube-system), where they go (a Service in the cluster, a URL outside), and
// the CA bundle that verifies the serving certificate.
import { CONTAINER_ANNOTATION_PREFIX, FIELD_MANAGER, PROFILE_ANNOTATION } from "../../api/names.js";
import type { KubeObject } from "../../kube/objects.js";
import type { Resource } from "../../kube/resource.js";
import type { RestClient } from "../../kube/rest-client.js";

export const MUTATING_WEBHOOK_CONFIGURATIONS: Resource = { group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations" };

export const WORKLOADS_PATH = "/mutate-workloads";
export const PODS_PATH = "/mutate-pods";

export type FailurePolicy = "Ignore" | "Fail";

/** A Service in the cluster, or a URL (`https://host:port`, for a controller outside it). */
export type WebhookEndpoint = { service: { namespace: string; name: string; port: number } } | { url: string };

export interface WebhookConfigurationOptions {
  name: string;
  endpoint: WebhookEndpoint;
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  /** Never sent to the webhook: the operator's own namespace and kube-system. */
  excludedNamespaces: readonly string[];
  /** PEM; left out when another party (a certificate manager) injects it. */
  caBundle?: string;
}

const annotated = (o: string) => `has(${o}.metadata.annotations) && ${o}.metadata.annotations.exists(k, k == '${PROFILE_ANNOTATION}' || k.startsWith('${CONTAINER_ANNOTATION_PREFIX}'))`;

/** CEL: the object carries the workload-wide or a per-container profile annotation, or did before this update (to release its fields). */
export const HAS_PROFILE_ANNOTATION = `(${annotated("object")}) || (oldObject != null && ${annotated("oldObject")})`;

export function webhookConfiguration(o: WebhookConfigurationOptions): KubeObject {
  const clientConfig = (path: string) => ({
    ...("url" in o.endpoint ? { url: `${o.endpoint.url.replace(/\/$/, "")}${path}` } : { service: { ...o.endpoint.service, path } }),
    ...(o.caBundle === undefined ? {} : { caBundle: Buffer.from(o.caBundle).toString("base64") }),
  });
  const common = {
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: o.failurePolicy,
    timeoutSeconds: o.timeoutSeconds,
    matchPolicy: "Equivalent",
    // Another webhook may add a container that a per-container annotation names.
    reinvocationPolicy: "IfNeeded",
    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...o.excludedNamespaces] }] },
    matchConditions: [{ name: "has-seccomp-profile-annotation", expression: HAS_PROFILE_ANNOTATION }],
  };
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: o.name, labels: { "app.kubernetes.io/name": "seccomp-operator", "app.kubernetes.io/component": "controller" } },
    webhooks: [
      {
        name: "workloads.seccomp.operator.dev",
        ...common,
        clientConfig: clientConfig(WORKLOADS_PATH),
        rules: [
          { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], operations: ["CREATE", "UPDATE"], scope: "Namespaced" },
          { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs", "cronjobs"], operations: ["CREATE", "UPDATE"], scope: "Namespaced" },
        ],
      },
      {
        name: "pods.seccomp.operator.dev",
        ...common,
        clientConfig: clientConfig(PODS_PATH),
        rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"], scope: "Namespaced" }],
      },
    ],
  };
}

/** The CA bundle (PEM) the configuration carries now; undefined when there is none. */
export async function trustedBundle(client: RestClient, name: string, signal?: AbortSignal): Promise<string | undefined> {
  const config = await client.find<KubeObject & { webhooks?: Array<{ clientConfig?: { caBundle?: string } }> }>({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name }, signal ? { signal } : {});
  const bundles = (config?.webhooks ?? []).map((w) => w.clientConfig?.caBundle ?? "");
  // Trusted only when every webhook of it carries the same bundle.
  if (bundles.length === 0 || bundles.some((b) => b !== bundles[0]) || bundles[0] === "") return undefined;
  return Buffer.from(bundles[0]!, "base64").toString("utf8");
}

export async function applyWebhookConfiguration(client: RestClient, options: WebhookConfigurationOptions, signal?: AbortSignal): Promise<void> {
  await client.apply({ ...MUTATING_WEBHOOK_CONFIGURATIONS, name: options.name }, webhookConfiguration(options), { fieldManager: FIELD_MANAGER, force: true, ...(signal ? { signal } : {}) });
}
