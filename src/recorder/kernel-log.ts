import { closeSync, constants, openSync, readFileSync, readSync } from "node:fs";

/** One record of the kernel's log buffer. */
export interface KernelLogEntry {
  seq: number;
  /** Microseconds since boot (CLOCK_MONOTONIC), when the kernel wrote it. */
  timestampUs: number;
  message: string;
}

const KMSG = "/dev/kmsg";

/**
 * Every record still in the kernel's log buffer, read from /dev/kmsg (one record per read;
 * EAGAIN at the end, EPIPE where older records were overwritten while reading).
 */
export function readKernelLog(): KernelLogEntry[] {
  const fd = openSync(KMSG, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(16384);
  const out: KernelLogEntry[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") break;
        if (code === "EPIPE") continue;
        throw error;
      }
      out.push(parseKernelLogRecord(buffer.toString("utf8", 0, n)));
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** One /dev/kmsg record: `priority,seq,timestamp,flags[,...];message`, then continuation lines. */
export function parseKernelLogRecord(text: string): KernelLogEntry {
  const semicolon = text.indexOf(";");
  const [, seq, timestamp] = text.slice(0, semicolon).split(",");
  return { seq: Number(seq), timestampUs: Number(timestamp), message: text.slice(semicolon + 1).split("\n")[0]! };
}

/** Whether this process may read the kernel log; the reason when not. */
export function kernelLogProblem(): string | undefined {
  try {
    closeSync(openSync(KMSG, constants.O_RDONLY | constants.O_NONBLOCK));
    return undefined;
  } catch (error) {
    return `cannot read the kernel log (${KMSG}): ${(error as Error).message}`;
  }
}

/**
 * The kernel writes audit records to its log only through printk_ratelimit: at most `burst`
 * messages per `intervalMs`, the rest silently dropped.
 */
export function printkRateLimit(): { intervalMs: number; burst: number } {
  const read = (name: string, fallback: number) => {
    try {
      return Number(readFileSync(`/proc/sys/kernel/${name}`, "utf8").trim());
    } catch {
      return fallback;
    }
  };
  return { intervalMs: read("printk_ratelimit", 5) * 1000, burst: read("printk_ratelimit_burst", 10) };
}

/** Microseconds since boot on the clock the kernel log uses. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The kernel log as a stream: opened once, positioned after what is already in the buffer,
 * then `read()` returns what was logged since. Closing it is the caller's.
 */
export class KernelLogStream {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(16384);
  /** Records overwritten in the ring buffer before they were read (EPIPE). */
  overwritten = 0;

  constructor(path = KMSG) {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.read();
  }

  read(): KernelLogEntry[] {
    const out: KernelLogEntry[] = [];
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") break;
        if (code === "EPIPE") {
          this.overwritten++;
          continue;
        }
        throw error;
      }
      out.push(parseKernelLogRecord(this.buffer.toString("utf8", 0, n)));
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}
