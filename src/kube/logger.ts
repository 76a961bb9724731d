// Structured JSON logs on stderr, one object per line, so that a log pipeline
// can filter by component and by the key of the object a line is about.
import winston from "winston";

export type Logger = winston.Logger;

/** winston's npm levels, plus "silent" to drop everything (tests). */
export type LogLevel = "error" | "warn" | "info" | "http" | "verbose" | "debug" | "silly" | "silent";

const LEVELS = new Set<string>(["error", "warn", "info", "http", "verbose", "debug", "silly", "silent"]);

export function isLogLevel(value: string): value is LogLevel {
  return LEVELS.has(value);
}

/**
 * A logger whose lines carry `timestamp`, `level`, `component` and `message`,
 * plus whatever fields a call adds (e.g. `{ key: "ns/name" }`). The level
 * defaults to LOG_LEVEL, then "info".
 */
export function createLogger(component: string, level?: LogLevel): Logger {
  const fromEnv = process.env.LOG_LEVEL;
  const chosen: LogLevel = level ?? (fromEnv && isLogLevel(fromEnv) ? fromEnv : "info");
  return winston.createLogger({
    level: chosen === "silent" ? "error" : chosen,
    silent: chosen === "silent",
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json()),
    transports: [
      // stdout stays free for command output; every level goes to stderr.
      new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) }),
    ],
  });
}

/** The message of anything thrown, for a log field. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
