// A namespace per test: tests share one control plane but not their objects,
// so they cannot see each other's leftovers and need no cleanup of their own.
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { ControlPlane } from "./control-plane.js";
import { waitUntil } from "./readiness.js";

/** A valid namespace name prefix derived from a test title, for readable logs. */
export function namespacePrefix(title = "test"): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${slug || "test"}-`;
}

export async function createNamespace(cp: ControlPlane, title?: string): Promise<string> {
  return createNamespaceIn(cp.kubeConfig(), namespacePrefix(title), {
    labels: { "seccomp.operator.dev/test": "true" },
    // Pods are admitted only once the namespace's "default" service account
    // exists, which the controller manager creates shortly after the namespace.
    waitForServiceAccount: cp.workloadComponentsRunning,
  });
}

/** Creates a namespace named `prefix` and a random suffix; by default waits until pods can be created in it. */
export async function createNamespaceIn(
  kubeConfig: KubeConfig,
  prefix: string,
  { labels, waitForServiceAccount = true }: { labels?: Record<string, string>; waitForServiceAccount?: boolean } = {},
): Promise<string> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const ns = await core.createNamespace({ body: { metadata: { generateName: prefix, labels } } });
  const name = ns.metadata!.name!;
  if (waitForServiceAccount) {
    await waitUntil(
      async () => {
        await core.readNamespacedServiceAccount({ name: "default", namespace: name });
        return true;
      },
      { what: `service account default in ${name}`, timeoutMs: 30_000 },
    );
  }
  return name;
}

/**
 * Deletes a namespace without waiting: emptying it is the controller
 * manager's work, and nothing waits for it in a throwaway cluster.
 */
export async function deleteNamespace(cp: ControlPlane, name: string): Promise<void> {
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespace({ name, propagationPolicy: "Background" });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
}

/** Runs `fn` in a fresh namespace and deletes it afterwards, pass or fail. */
export async function withNamespace<T>(cp: ControlPlane, fn: (namespace: string) => Promise<T>, title?: string): Promise<T> {
  const name = await createNamespace(cp, title);
  try {
    return await fn(name);
  } finally {
    await deleteNamespace(cp, name);
  }
}

/**
 * For a mocha `describe`: a fresh namespace for each test (named after it),
 * deleted after the test. Returns an accessor for the current name.
 */
export function useNamespace(controlPlane: () => ControlPlane): () => string {
  let name: string | undefined;
  beforeEach(async function () {
    name = await createNamespace(controlPlane(), this.currentTest?.title);
  });
  afterEach(async () => {
    if (name) await deleteNamespace(controlPlane(), name);
    name = undefined;
  });
  return () => {
    if (!name) throw new Error("no test namespace: call useNamespace() inside describe()");
    return name;
  };
}

/**
 * Pods are admitted only once their namespace has its default ServiceAccount, which only a running
 * controller manager creates: created here when it is missing, whether or not one runs.
 */
export async function ensureDefaultServiceAccount(cp: ControlPlane, namespace: string): Promise<void> {
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "default" } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
