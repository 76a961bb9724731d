// Installing the project's CustomResourceDefinitions from crds/ and waiting
// until the API server serves them.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./binaries.js";
import { APPLY_PATCH, apiRequest } from "./raw-api.js";
import { waitUntil } from "./readiness.js";

export const crdDir = join(repoRoot, "crds");
const FIELD_MANAGER = "seccomp-operator-tests";

/** Every CustomResourceDefinition in the YAML files of `dir`. */
export async function loadCrds(dir = crdDir): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const obj = doc.toJS() as V1CustomResourceDefinition | null;
      if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  return crds;
}

export function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
}

/**
 * Applies the CRDs (server-side apply, so installing twice is harmless and an
 * update behaves as `kubectl apply --server-side` does) and waits until each is
 * Established.
 */
export async function installCrds(
  kc: KubeConfig,
  crds?: V1CustomResourceDefinition[],
  timeoutMs = 30_000,
): Promise<V1CustomResourceDefinition[]> {
  const objects = crds ?? (await loadCrds());
  if (objects.length === 0) throw new Error(`no CustomResourceDefinition found in ${crdDir}`);
  for (const crd of objects) {
    // Sent as read from the file; see raw-api.ts for why not a typed client.
    const name = crd.metadata!.name!;
    const res = await apiRequest(kc, {
      method: "PATCH",
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Strict`,
      contentType: APPLY_PATCH,
      body: crd,
    });
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`applying CustomResourceDefinition ${name}: HTTP ${res.status}: ${res.text}`);
    }
  }
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const installed: V1CustomResourceDefinition[] = [];
  for (const crd of objects) {
    const name = crd.metadata!.name!;
    let current: V1CustomResourceDefinition | undefined;
    await waitUntil(
      async () => {
        current = await ext.readCustomResourceDefinition({ name });
        return isEstablished(current);
      },
      { what: `CustomResourceDefinition ${name} Established`, timeoutMs },
    );
    installed.push(current!);
  }
  return installed;
}
