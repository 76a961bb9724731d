// The HTTPS endpoint the API server calls for admission: AdmissionReview in, AdmissionReview
// out, one handler per path. The certificate can be swapped while serving (new connections
// get the new one; requests in flight finish on the old), so a rotation drops nothing.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { answeringErrors, listenOn } from "./http-serving.js";
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
  limits?: Partial<WebhookServerLimits>;
}

/** The body bytes held by all requests now. */
class ByteBudget {
  private held = 0;
  constructor(readonly limit: number) {}
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }
  give(bytes: number): void {
    this.held -= bytes;
  }
}

/**
 * The largest AdmissionReview the API server sends: the object and, on an update, its old
 * version. The API server takes request bodies up to 3 MiB (`--max-request-bytes` default) and
 * stores objects up to etcd's 1.5 MiB, so two objects of at most 3 MiB each as JSON, plus 1 MiB
 * for the review's wrapping (user info, options) and the encoding's growth.
 */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

/**
 * The bounds that keep the server's memory and event loop its own whoever connects: bodies are
 * counted as they arrive against one budget for all connections (a request that would pass it
 * is refused with 503 and its connection closed), and a connection that is slow to send its
 * headers or its request is cut. The API server sends a review in milliseconds and gives up on
 * it within 30 s at most, so 10 s cuts nothing it sends.
 */
export interface WebhookServerLimits {
  maxConnections: number;
  /** Body bytes held at once, across all connections. */
  maxInFlightBytes: number;
  /** Headers, and the whole request, must arrive within these. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; the TLS handshake must end within it too. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: WebhookServerLimits = {
  maxConnections: 256,
  maxInFlightBytes: 32 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 10_000,
};

export class WebhookServer {
  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: WebhookServerOptions): Promise<WebhookServer> {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const budget = new ByteBudget(limits.maxInFlightBytes);
    const server = createServer(
      {
        cert: options.certificate.cert,
        key: options.certificate.key,
        minVersion: "TLSv1.2",
        handshakeTimeout: limits.keepAliveTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // How often the two timeouts above are checked (Node's default is 30 s, which would triple them).
        connectionsCheckingInterval: 1_000,
      },
      answeringErrors((req, res) => handle(req, res, options, budget), options.logger, "admission request"),
    );
    // Past this many, new connections are dropped as they come (each holds TLS state and buffers).
    server.maxConnections = limits.maxConnections;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    const address = await listenOn(server, options.port, options.host);
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

async function handle(req: IncomingMessage, res: ServerResponse, options: WebhookServerOptions, budget: ByteBudget): Promise<void> {
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
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) return refuse(req, res, 413, `request body over ${MAX_BODY_BYTES} bytes\n`);
  const read = await readBody(req, budget);
  if (read === "too large") return refuse(req, res, 413, `request body over ${MAX_BODY_BYTES} bytes\n`);
  if (read === "busy") {
    options.logger.warn("admission request refused: the bytes of requests in flight are at their limit", { path, limit: budget.limit });
    return refuse(req, res, 503, "too many request bytes in flight, try again\n");
  }
  if (read === "aborted") return;
  const text = read;
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

/** Answers without reading the rest of the body, and closes the connection so that nothing more of it is taken in. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain", Connection: "close" }).end(message, () => req.socket.destroy());
  req.pause();
}

/** The body, each chunk taken from the budget as it arrives and all given back once it is read or refused. */
function readBody(req: IncomingMessage, budget: ByteBudget): Promise<string | "too large" | "busy" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: string | "too large" | "busy" | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      budget.give(size);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > MAX_BODY_BYTES) return finish("too large");
      if (!budget.take(chunk.length)) return finish("busy");
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks, size).toString("utf8"));
    // The client went away, or a timeout cut the request: nobody to answer.
    const onAbort = () => finish("aborted");
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}
