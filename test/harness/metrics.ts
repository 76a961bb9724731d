// Scraping the daemons' /metrics as Prometheus does: over HTTPS (the daemons' certificate is
// self-signed, so not verified here) with the bearer token of a ServiceAccount bound to the
// rules of the shipped seccomp-operator-metrics-reader ClusterRole, or with any token a test gives.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { parseManifests } from "./apply.js";
import type { ControlPlane } from "./control-plane.js";
import { apiRequest } from "./raw-api.js";

export const SCRAPER_NAMESPACE = "metrics-scrapers";
export const READER_ROLE = "seccomp-operator-metrics-reader";
/**
 * The shipped role's rules under a name of the harness's own: suites that install and uninstall
 * the operator (the chart's release test) delete the shipped one, and every later scrape would
 * be refused.
 */
const HARNESS_READER_ROLE = "harness-metrics-reader";

export interface Scrape {
  status: number;
  text: string;
}

/** One GET of /metrics; `token` undefined sends no Authorization header. */
export function scrape(port: number, options: { token?: string | undefined; scheme?: "https" | "http" } = {}): Promise<Scrape> {
  const request = options.scheme === "http" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/metrics",
        rejectUnauthorized: false,
        headers: options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const tokens = new WeakMap<ControlPlane, Map<string, Promise<string>>>();

/**
 * A token of ServiceAccount `name` in SCRAPER_NAMESPACE, created with it; `reader` binds it to
 * the metrics-reader ClusterRole of config/ (applied as written). One per control plane and name.
 */
export function serviceAccountToken(cp: ControlPlane, name: string, reader: boolean): Promise<string> {
  let known = tokens.get(cp);
  if (known === undefined) tokens.set(cp, (known = new Map()));
  let token = known.get(name);
  if (token === undefined) {
    token = createToken(cp, name, reader);
    token.catch(() => known.delete(name));
    known.set(name, token);
  }
  return token;
}

/** The token of a ServiceAccount the metrics-reader role is bound to. */
export function metricsReaderToken(cp: ControlPlane): Promise<string> {
  return serviceAccountToken(cp, "prometheus", true);
}

/** The metrics of a daemon the harness started, read with the metrics reader's token. */
export async function scrapeMetrics(cp: ControlPlane, port: number): Promise<string> {
  const res = await scrape(port, { token: await metricsReaderToken(cp) });
  if (res.status !== 200) throw new Error(`GET /metrics on port ${port}: HTTP ${res.status}: ${res.text}`);
  return res.text;
}

async function createToken(cp: ControlPlane, name: string, reader: boolean): Promise<string> {
  const kc = cp.kubeConfig();
  const put = async (path: string, body: object) => {
    const res = await apiRequest(kc, { method: "POST", path, body });
    if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${path}: HTTP ${res.status}: ${res.text}`);
  };
  await put("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: SCRAPER_NAMESPACE } });
  await put(`/api/v1/namespaces/${SCRAPER_NAMESPACE}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } });
  if (reader) {
    const file = join(import.meta.dirname, "..", "..", "config", "rbac", "metrics_auth_role.yaml");
    const role = parseManifests(readFileSync(file, "utf8"), file).find((m) => m.kind === "ClusterRole" && m.metadata.name === READER_ROLE);
    if (role === undefined) throw new Error(`${file} has no ClusterRole ${READER_ROLE}`);
    await put("/apis/rbac.authorization.k8s.io/v1/clusterroles", { ...role, metadata: { name: HARNESS_READER_ROLE } });
    await put("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${HARNESS_READER_ROLE}-${name}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: HARNESS_READER_ROLE },
      subjects: [{ kind: "ServiceAccount", name, namespace: SCRAPER_NAMESPACE }],
    });
  }
  const res = await apiRequest(kc, {
    method: "POST",
    path: `/api/v1/namespaces/${SCRAPER_NAMESPACE}/serviceaccounts/${name}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const token = (res.body as { status?: { token?: string } } | undefined)?.status?.token;
  if (res.status !== 201 || token === undefined) throw new Error(`TokenRequest for ${name}: HTTP ${res.status}: ${res.text}`);
  return token;
}
