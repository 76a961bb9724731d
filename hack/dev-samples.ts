// Applies config/samples (and the namespaces they live in) to a local control plane.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { PROFILE_RESOURCE } from "../src/api/resources.js";
import type { KubeObject } from "../src/kube/objects.js";
import { RestClient } from "../src/kube/rest-client.js";

const samplesDir = join(import.meta.dirname, "..", "config", "samples");

export async function applySamples(kc: KubeConfig): Promise<string[]> {
  const client = new RestClient(kc);
  const objects = readdirSync(samplesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(samplesDir, f), "utf8")).map((d) => d.toJS() as KubeObject))
    .filter((o) => o !== null);
  const namespaces = [...new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => n !== undefined))];
  for (const name of namespaces) {
    await client.apply({ group: "", version: "v1", plural: "namespaces", name }, { apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager: "seccomp-operator-dev" });
  }
  for (const object of objects) {
    await client.apply({ ...PROFILE_RESOURCE, namespace: object.metadata!.namespace!, name: object.metadata!.name! }, object, { fieldManager: "seccomp-operator-dev" });
  }
  return objects.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);
}
