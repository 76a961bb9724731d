// A hostile client of the admission webhook's port, as any pod that can reach it could be:
// connections that each declare a body of the largest size the server takes and send it slowly
// (reconnecting whenever the server closes one), and a few that send such bodies whole, again
// and again. Used by the webhook's integration test and by bench:admission.
import { connect, type TLSSocket } from "node:tls";

export interface FloodOptions {
  port: number;
  /** Connections sending slowly. */
  slow: number;
  /** Connections sending whole bodies as fast as they are answered. */
  whole: number;
  bodyBytes: number;
  /** Bytes per second each slow connection sends. */
  slowRate: number;
}

export interface FloodResult {
  /** HTTP status lines received, by status ("none" when the server closed without answering). */
  answers: Record<string, number>;
  connections: number;
}

/** A valid AdmissionReview of about `bytes` bytes: one annotation holds the bulk. */
export function largeReview(bytes: number): Buffer {
  const head = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"flood","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"x","object":{"metadata":{"name":"x","annotations":{"filler":"';
  const tail = '"}},"spec":{"containers":[{"name":"a","image":"a"}]}}}}';
  return Buffer.from(head + "a".repeat(bytes - head.length - tail.length) + tail);
}

export function startFlood(options: FloodOptions): { stop(): Promise<FloodResult> } {
  const body = largeReview(options.bodyBytes);
  const result: FloodResult = { answers: {}, connections: 0 };
  const sockets = new Set<TLSSocket>();
  let stopped = false;
  const header = `POST /mutate-pods HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;

  const open = (whole: boolean): void => {
    if (stopped) return;
    result.connections++;
    const socket = connect({ host: "127.0.0.1", port: options.port, rejectUnauthorized: false });
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    let answered = false;
    socket.on("data", (data: Buffer) => {
      const status = /^HTTP\/1\.1 (\d+)/.exec(data.toString("latin1"))?.[1];
      if (status === undefined) return;
      answered = true;
      result.answers[status] = (result.answers[status] ?? 0) + 1;
      if (whole) sendWhole();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (!answered) result.answers.none = (result.answers.none ?? 0) + 1;
      // Reconnect after a pause, as a patient attacker would.
      setTimeout(() => open(whole), 500);
    });
    const sendWhole = () => {
      if (!stopped) socket.write(Buffer.concat([Buffer.from(header), body]));
    };
    socket.once("secureConnect", () => {
      if (whole) return sendWhole();
      socket.write(header);
      const chunk = Math.max(1, Math.floor(options.slowRate / 10));
      let sent = 0;
      timer = setInterval(() => {
        if (sent >= body.length) return clearInterval(timer);
        socket.write(body.subarray(sent, sent + chunk));
        sent += chunk;
      }, 100);
    });
  };
  for (let i = 0; i < options.slow; i++) open(false);
  for (let i = 0; i < options.whole; i++) open(true);
  return {
    stop: async () => {
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return result;
    },
  };
}

/** The longest wait for `url` while `during` runs, polled every 200 ms. */
export async function longestWait(url: string, during: Promise<unknown>): Promise<{ maxMs: number; failures: number }> {
  let done = false;
  void during.finally(() => (done = true));
  let maxMs = 0;
  let failures = 0;
  while (!done) {
    const started = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.text();
      if (!res.ok) failures++;
    } catch {
      failures++;
    }
    maxMs = Math.max(maxMs, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { maxMs, failures };
}
