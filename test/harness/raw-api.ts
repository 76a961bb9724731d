// Plain HTTPS requests to the API server, for what the typed clients do not
// expose (discovery documents, the published OpenAPI schema, server-side Table
// output) and for sending manifests exactly as written: the typed clients
// re-serialize known kinds through their models, which drops every field they
// do not model under its wire name (a plain-object CRD loses `enum` and all
// `x-kubernetes-*` keys that way).
import { request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export interface RawResponse {
  status: number;
  body: unknown;
  text: string;
  /** Absent for a statusOnly answer. */
  headers?: IncomingHttpHeaders;
}

export interface RawRequest {
  method?: "GET" | "PATCH" | "POST" | "PUT" | "DELETE";
  path: string;
  accept?: string;
  contentType?: string;
  body?: unknown;
  /** More headers, e.g. Impersonate-User (a list repeats the header). */
  headers?: Record<string, string | string[]>;
  /** For watches: answer with the status as soon as a 200's headers arrive. */
  statusOnly?: boolean;
}

export const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io";
export const APPLY_PATCH = "application/apply-patch+yaml";

export async function apiRequest(kc: KubeConfig, req: RawRequest): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig has no current cluster");
  const payload = req.body === undefined ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  const options: RequestOptions = {
    method: req.method ?? "GET",
    headers: {
      Accept: req.accept ?? "application/json",
      ...(payload !== undefined ? { "Content-Type": req.contentType ?? "application/json" } : {}),
      ...req.headers,
    },
    timeout: 10_000,
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const r = request(new URL(req.path, server), options, (res) => {
      if (req.statusOnly && res.statusCode === 200) {
        resolve({ status: 200, body: undefined, text: "" });
        r.destroy();
        return;
      }
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
      });
    });
    r.on("timeout", () => r.destroy(new Error(`${options.method} ${req.path} timed out`)));
    // After a statusOnly answer the promise is settled and this is a no-op.
    r.on("error", reject);
    r.end(payload);
  });
}

export function apiGet(kc: KubeConfig, path: string, accept?: string): Promise<RawResponse> {
  return apiRequest(kc, { path, accept });
}
