// Free loopback ports for the control-plane components.
import { createServer, type Server } from "node:net";

/**
 * Returns `count` distinct ports that were free on 127.0.0.1 a moment ago.
 * All listeners are held open until every port is chosen, so the kernel does
 * not hand out the same port twice; another program could still take one
 * before the component binds it, which shows up as a start failure with the
 * component's log rather than as a hang.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      servers.push(server);
    }
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === "string") throw new Error("unexpected listener address");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
