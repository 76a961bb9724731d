// `kubectl apply --server-side` for manifests as written: each object is sent
// unchanged (see raw-api.ts) to the path discovery gives for its kind.
import type { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { APPLY_PATCH, apiRequest, type RawResponse } from "./raw-api.js";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export function parseManifests(text: string, source: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}#${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as Manifest | null;
    return obj ? [obj] : [];
  });
}

function describe(res: RawResponse): string {
  return `HTTP ${res.status}: ${(res.body as { message?: string } | undefined)?.message ?? res.text}`;
}

export class Applier {
  private readonly kinds = new Map<string, Promise<Map<string, { name: string; namespaced: boolean }>>>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly fieldManager: string,
  ) {}

  /** The REST path of an object (discovery is re-read after a miss: CRDs appear late). */
  async path(obj: Manifest): Promise<string> {
    const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    let resource = (await this.discover(base, false)).get(obj.kind);
    if (!resource) resource = (await this.discover(base, true)).get(obj.kind);
    if (!resource) throw new Error(`${obj.apiVersion} ${obj.kind} is not served by the API server`);
    const ns = obj.metadata.namespace;
    if (resource.namespaced && !ns) throw new Error(`${obj.kind} ${obj.metadata.name} has no namespace`);
    return `${base}${resource.namespaced ? `/namespaces/${ns}` : ""}/${resource.name}/${obj.metadata.name}`;
  }

  async apply(obj: Manifest): Promise<void> {
    const path = await this.path(obj);
    const res = await apiRequest(this.kc, {
      method: "PATCH",
      path: `${path}?fieldManager=${encodeURIComponent(this.fieldManager)}&fieldValidation=Strict`,
      contentType: APPLY_PATCH,
      body: obj,
    });
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`applying ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}: ${describe(res)}`);
    }
  }

  async delete(obj: Manifest): Promise<void> {
    const res = await apiRequest(this.kc, { method: "DELETE", path: await this.path(obj) });
    if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
      throw new Error(`deleting ${obj.kind} ${obj.metadata.name}: ${describe(res)}`);
    }
  }

  private discover(base: string, refresh: boolean): Promise<Map<string, { name: string; namespaced: boolean }>> {
    let kinds = this.kinds.get(base);
    if (!kinds || refresh) {
      kinds = apiRequest(this.kc, { path: base }).then((res) => {
        if (res.status === 404) return new Map();
        if (res.status !== 200) throw new Error(`discovery ${base}: ${describe(res)}`);
        const list = res.body as { resources: { name: string; kind: string; namespaced: boolean }[] };
        return new Map(list.resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, r]));
      });
      this.kinds.set(base, kinds);
    }
    return kinds;
  }
}
