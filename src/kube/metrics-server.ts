// /metrics on a port of its own. By default over HTTPS (a bearer token must never travel in
// the clear) and only for callers the API server authenticates and authorizes
// (metrics-access.ts); the certificate is the one given, else a self-signed one made at start.
// With `auth: "none"` it is plain HTTP open to anyone who reaches the port, as an explicit
// choice logged as a warning at start. /healthz and /readyz stay on the health server: the
// kubelet probes them without credentials.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Registry } from "prom-client";
import { answeringErrors, listenOn, SMALL_ENDPOINT_CONNECTIONS, SMALL_ENDPOINT_OPTIONS } from "./http-serving.js";
import type { Logger } from "./logger.js";
import type { MetricsAccess } from "./metrics-access.js";
import { createCertificateAuthority, issueServingCertificate, servingNames, type KeyPairPem } from "./x509-certificates.js";

export interface MetricsServerOptions {
  host: string;
  /** 0 for any free port. */
  port: number;
  registry: Registry;
  logger: Logger;
  /** Who may scrape; "none" serves plain HTTP to anyone. */
  access: MetricsAccess | "none";
  /** Default: a self-signed certificate made at start. */
  certificate?: KeyPairPem;
}

export interface MetricsServer {
  host: string;
  port: number;
  /** "https" with authentication, "http" without. */
  scheme: "https" | "http";
  close(): Promise<void>;
}

const PATH = "/metrics";
const YEAR_MS = 365 * 24 * 3600_000;

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { logger, access } = options;
  const listener = answeringErrors((req, res) => handle(req, res, options), logger, "metrics endpoint");
  let server: Server;
  if (access === "none") {
    server = createHttpServer(SMALL_ENDPOINT_OPTIONS, listener);
  } else {
    server = createHttpsServer({ ...SMALL_ENDPOINT_OPTIONS, ...(options.certificate ?? selfSigned()) }, listener);
  }
  server.maxConnections = SMALL_ENDPOINT_CONNECTIONS;
  const address = await listenOn(server, options.port, options.host);
  const scheme = access === "none" ? "http" : "https";
  if (access === "none") {
    logger.warn("serving metrics WITHOUT authentication or TLS (--metrics-auth=none): anyone who reaches this port reads them", { address: address.address, port: address.port });
  } else {
    logger.info("serving metrics over HTTPS to callers allowed get /metrics", { address: address.address, port: address.port, certificate: options.certificate === undefined ? "self-signed" : "given" });
  }
  return {
    host: address.address,
    port: address.port,
    scheme,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname !== PATH) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("method not allowed\n");
    return;
  }
  if (options.access !== "none") {
    const decision = await options.access.review(req.headers.authorization, PATH, "get");
    if (!decision.allowed) {
      options.logger.debug("metrics request refused", { status: decision.status, reason: decision.reason, remote: req.socket.remoteAddress });
      const headers: Record<string, string> = { "Content-Type": "text/plain" };
      if (decision.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="metrics"';
      if (decision.status === 429) headers["Retry-After"] = "1";
      res.writeHead(decision.status, headers).end(`${decision.status === 401 ? "Unauthorized" : decision.status === 403 ? "Forbidden" : "Too Many Requests"}: ${decision.reason}\n`);
      return;
    }
  }
  const body = await options.registry.metrics();
  res.writeHead(200, { "Content-Type": options.registry.contentType, "Cache-Control": "no-store" }).end(body);
}

/** A serving certificate for the pod's names, signed by a CA made for it alone (the scraper skips verification or pins it). */
function selfSigned(): KeyPairPem {
  const ca = createCertificateAuthority("seccomp-operator-metrics-ca", YEAR_MS);
  return issueServingCertificate(ca, servingNames(["localhost", "127.0.0.1"]), YEAR_MS);
}
