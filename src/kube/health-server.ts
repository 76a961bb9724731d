// The endpoints the kubelet polls: /healthz (liveness: restart me if this fails) and /readyz
// (readiness: I can do my work). Open, as the kubelet probes without credentials; they say
// pass or fail and name the checks, nothing more. /metrics is served apart (metrics-server.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { answeringErrors, listenOn, SMALL_ENDPOINT_CONNECTIONS, SMALL_ENDPOINT_OPTIONS } from "./http-serving.js";
import { createLogger, errorMessage, type Logger } from "./logger.js";

/** true / undefined: passing; false or a string (the reason): failing; a throw: failing. */
export type CheckResult = boolean | string | undefined | void;
export type Check = () => CheckResult | Promise<CheckResult>;

export interface HealthServerOptions {
  /** Default "0.0.0.0" (reachable by the kubelet in a pod). */
  host?: string;
  /** 0 for any free port. */
  port: number;
  /** Named liveness checks; all must pass. */
  healthz?: Record<string, Check>;
  /** Named readiness checks; all must pass. */
  readyz?: Record<string, Check>;
  logger?: Logger;
}

export interface HealthServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const logger = options.logger ?? createLogger("health-server");
  // Probes must not be held up by idle keep-alive connections on shutdown, nor the port by
  // callers that hold connections open.
  const server = createServer(SMALL_ENDPOINT_OPTIONS, answeringErrors((req, res) => handle(req, res, options), logger, "health endpoint"));
  server.maxConnections = SMALL_ENDPOINT_CONNECTIONS;
  const address = await listenOn(server, options.port, options.host ?? "0.0.0.0");
  logger.info("serving health", { address: address.address, port: address.port });
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("method not allowed\n");
    return;
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  switch (url.pathname) {
    case "/healthz":
    case "/livez":
      return respond(res, "healthz", await runChecks(options.healthz ?? {}), url.searchParams.has("verbose"));
    case "/readyz":
      return respond(res, "readyz", await runChecks(options.readyz ?? {}), url.searchParams.has("verbose"));
    default:
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  }
}

interface CheckOutcome {
  name: string;
  ok: boolean;
  reason?: string;
}

async function runChecks(checks: Record<string, Check>): Promise<CheckOutcome[]> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<CheckOutcome> => {
      try {
        const result = await check();
        if (result === false) return { name, ok: false, reason: "failed" };
        if (typeof result === "string") return { name, ok: false, reason: result };
        return { name, ok: true };
      } catch (err) {
        return { name, ok: false, reason: errorMessage(err) };
      }
    }),
  );
}

/** The API server's format: "ok", or one `[+]name ok` / `[-]name failed: reason` line per check. */
function respond(res: ServerResponse, endpoint: string, outcomes: CheckOutcome[], verbose: boolean): void {
  const ok = outcomes.every((o) => o.ok);
  const lines = outcomes.map((o) => (o.ok ? `[+]${o.name} ok` : `[-]${o.name} failed: ${o.reason}`));
  const body = ok && !verbose ? "ok\n" : `${lines.join("\n")}\n${endpoint} check ${ok ? "passed" : "failed"}\n`;
  res.writeHead(ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end(body);
}
