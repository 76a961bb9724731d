// Plain HTTPS requests to the API server as the administrator, for what the
// typed clients do not expose: discovery documents, the published OpenAPI
// schema, and server-side Table output (printer columns).
import { request } from "node:https";
import { readFileSync } from "node:fs";
import type { ControlPlane } from "./control-plane.js";

export interface RawResponse {
  status: number;
  body: unknown;
  text: string;
}

export const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io";

export function apiGet(cp: ControlPlane, path: string, accept = "application/json"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cp.url),
      {
        method: "GET",
        headers: { Accept: accept },
        ca: readFileSync(cp.ca.certFile),
        cert: readFileSync(cp.admin.certFile),
        key: readFileSync(cp.admin.keyFile),
        timeout: 10_000,
      },
      (res) => {
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
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
