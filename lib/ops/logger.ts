/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of a log line; never room contents. */
export type LogFields = Record<string, unknown>;

/** Where every log line goes. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped; default `info`. */
  level?: LogLevel;
  /** JSON lines (for machines) or readable text (for a terminal). */
  format?: "json" | "text";
  /** Receives each finished line; default writes to stderr. */
  write?: (line: string) => void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing one line per event.
 *
 * @example
 * ```ts
 * const logger = createLogger({ format: "text" });
 * logger.warn("request_rejected", { reason: "room_creation_rate", status: 429 });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const format = options.format ?? "json";
  const encoder = new TextEncoder();
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const log = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (LEVELS[level] < threshold) return;
    const time = new Date().toISOString();
    const values = Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, printable(value)]),
    );
    write(
      format === "json"
        ? JSON.stringify({ time, level, event, ...values })
        : `${time} ${level.toUpperCase().padEnd(5)} ${event}${
          Object.entries(values).map(([key, value]) => ` ${key}=${JSON.stringify(value)}`)
            .join("")
        }`,
    );
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function printable(value: unknown): unknown {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return value;
}
