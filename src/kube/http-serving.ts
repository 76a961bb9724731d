// What the daemons' HTTP servers (health, metrics, admission) share: a handler whose failure
// answers 500 and is logged instead of leaving the request hanging, bounds that no caller can
// hold a server past, and a listen that resolves with the bound address.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage, type Logger } from "./logger.js";

/**
 * Server options of the small endpoints (health and metrics), whose answers need no body: a
 * caller that sends its headers or request slowly is cut off after 10 s (checked every second;
 * Node's default check every 30 s would triple that).
 */
export const SMALL_ENDPOINT_OPTIONS = { headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 } as const;
/** Connections a small endpoint holds at once; past it new ones are dropped as they come. */
export const SMALL_ENDPOINT_CONNECTIONS = 256;

/** A request listener that turns a failed `handle` into a logged 500. */
export function answeringErrors(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  logger: Logger,
  what: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(`${what} failed`, { path: req.url, error: errorMessage(error) });
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("internal error\n");
    });
  };
}

/** Listens on host:port (0: any free port) and resolves with the address bound. */
export async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
