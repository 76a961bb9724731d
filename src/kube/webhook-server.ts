// The HTTPS endpoint the API server calls for admission: AdmissionReview in, AdmissionReview
// out, one handler per path. The certificate can be swapped while serving (new connections
// get the new one; requests in flight finish on the old), so a rotation drops nothing.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { admissionReview, parseAdmissionReview, type AdmissionRequest, type AdmissionResponse } from "./admission-review.js";
import { errorMessage, type Logger } from "./logger.js";

export type AdmissionHandler = (request: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>;

export interface ServingCertificate {
  /** PEM; the leaf first, then any intermediates. */
  cert: string;
  key: string;
}

export interface WebhookServerOptions {
  host: string;
  /** 0 for any free port. */
  port: number;
  certificate: ServingCertificate;
  /** By path, e.g. `/mutate-workloads`. */
  handlers: Record<string, AdmissionHandler>;
  logger: Logger;
}

/** The API server sends at most one object and its old version; 3 MiB each is etcd's limit. */
const MAX_BODY_BYTES = 7 * 1024 * 1024;

export class WebhookServer {
  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: WebhookServerOptions): Promise<WebhookServer> {
    const server = createServer({ cert: options.certificate.cert, key: options.certificate.key, minVersion: "TLSv1.2" }, (req, res) => {
      handle(req, res, options).catch((error: unknown) => {
        options.logger.error("admission request failed", { path: req.url, error: errorMessage(error) });
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("internal error\n");
      });
    });
    // The API server keeps connections open between reviews; a stop must not wait for them.
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    options.logger.info("serving admission webhooks", { address: address.address, port: address.port, paths: Object.keys(options.handlers) });
    return new WebhookServer(server, address.address, address.port);
  }

  /** New connections use this certificate from now on. */
  setCertificate(certificate: ServingCertificate): void {
    this.server.setSecureContext({ cert: certificate.cert, key: certificate.key, minVersion: "TLSv1.2" });
  }

  close(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeIdleConnections();
    });
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: WebhookServerOptions): Promise<void> {
  const path = new URL(req.url ?? "/", "https://localhost").pathname;
  const handler = options.handlers[path];
  if (handler === undefined) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { Allow: "POST", "Content-Type": "text/plain" }).end("method not allowed\n");
    return;
  }
  const text = await readBody(req);
  if (text === undefined) {
    res.writeHead(413, { "Content-Type": "text/plain" }).end(`request body over ${MAX_BODY_BYTES} bytes\n`);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    res.writeHead(400, { "Content-Type": "text/plain" }).end(`${path}: the body is not JSON: ${errorMessage(error)}\n`);
    return;
  }
  const parsed = parseAdmissionReview(body);
  if (!parsed.ok) {
    res.writeHead(400, { "Content-Type": "text/plain" }).end(`${path}: not an AdmissionReview: ${parsed.error}\n`);
    return;
  }
  const response = await handler(parsed.request);
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(admissionReview(response)));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
