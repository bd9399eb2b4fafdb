import { z } from "zod";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";

/** The server's settings, read from environment variables at start. */
export interface Config {
  port: number;
  hostname: string;
  /** A PostgreSQL server; `undefined` means the embedded database. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  /** The public origin used in links (no trailing slash), when behind a proxy. */
  publicUrl?: string;
  /**
   * How processes share rooms: `postgres` (LISTEN/NOTIFY, the default with
   * `DATABASE_URL`), `broadcast` (BroadcastChannel, for Deno Deploy) or
   * `local` (one process; the default with the embedded database).
   */
  bus: "postgres" | "broadcast" | "local";
  /** What clients may send and how much (each from a `DUET_…` variable). */
  limits: Limits;
  /** Origins besides the server's own whose pages may open live-sync sockets. */
  allowedOrigins: string[];
  /** Days a room is kept without activity, unless its owner says otherwise; 0 keeps rooms for ever. */
  roomTtlDays: number;
}

const blankAsUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/** A whole number variable with a default, at least `min`. */
const count = (name: string, fallback: number, min = 1) =>
  z.preprocess(
    blankAsUndefined,
    z.coerce.number({ error: `${name} must be a number` })
      .int(`${name} must be a whole number`)
      .min(min, `${name} must be at least ${min}`)
      .max(Number.MAX_SAFE_INTEGER, `${name} is too large`)
      .default(fallback),
  );

const OriginListSchema = z.string().transform((text, context) => {
  const origins: string[] = [];
  for (const item of text.split(",").map((part) => part.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      // Reported below.
    }
    if (
      !url || (url.protocol !== "http:" && url.protocol !== "https:") ||
      url.pathname !== "/" || url.search || url.hash || url.username
    ) {
      context.addIssue({
        code: "custom",
        message:
          `DUET_ALLOWED_ORIGINS must list origins like https://duet.example.com, separated by commas; ${
            JSON.stringify(item)
          } is not one`,
      });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  return origins;
});

const EnvSchema = z.object({
  PORT: z.preprocess(
    blankAsUndefined,
    z.coerce.number({ error: "PORT must be a number" }).int("PORT must be a whole number")
      .min(0, "PORT must be between 0 and 65535")
      .max(65535, "PORT must be between 0 and 65535")
      .default(8000),
  ),
  HOSTNAME: z.preprocess(blankAsUndefined, z.string().default("0.0.0.0")),
  DATABASE_URL: z.preprocess(
    blankAsUndefined,
    z.string().regex(
      /^postgres(ql)?:\/\//,
      "DATABASE_URL must start with postgres:// or postgresql://",
    ).optional(),
  ),
  DUET_DATA_DIR: z.preprocess(blankAsUndefined, z.string().default("./data")),
  DUET_BUS: z.preprocess(
    blankAsUndefined,
    z.enum(["postgres", "broadcast", "local"], {
      error: "DUET_BUS must be postgres, broadcast or local",
    }).optional(),
  ),
  PUBLIC_URL: z.preprocess(
    blankAsUndefined,
    z.url({
      protocol: /^https?$/,
      error: "PUBLIC_URL must be an http:// or https:// address",
    }).optional(),
  ),
  DUET_ALLOWED_ORIGINS: z.preprocess(blankAsUndefined, OriginListSchema.optional()),
  // Deno reads a whole WebSocket message (up to 64 MiB) before Duet sees it.
  DUET_MAX_MESSAGE_BYTES: count("DUET_MAX_MESSAGE_BYTES", DEFAULT_LIMITS.maxMessageBytes, 1024)
    .pipe(z.number().max(64 * 1024 * 1024, "DUET_MAX_MESSAGE_BYTES must be at most 64 MiB")),
  DUET_MAX_DOCUMENT_BYTES: count("DUET_MAX_DOCUMENT_BYTES", DEFAULT_LIMITS.maxDocumentBytes),
  DUET_MAX_PEOPLE_PER_ROOM: count("DUET_MAX_PEOPLE_PER_ROOM", DEFAULT_LIMITS.maxPeoplePerRoom),
  DUET_MAX_CONNECTIONS_PER_ADDRESS: count(
    "DUET_MAX_CONNECTIONS_PER_ADDRESS",
    DEFAULT_LIMITS.maxConnectionsPerAddress,
  ),
  DUET_MESSAGES_PER_SECOND: count("DUET_MESSAGES_PER_SECOND", DEFAULT_LIMITS.messagesPerSecond),
  DUET_ROOMS_PER_MINUTE: count("DUET_ROOMS_PER_MINUTE", DEFAULT_LIMITS.roomsPerMinute),
  DUET_AUTOCOMPLETE_MAX_BYTES: count(
    "DUET_AUTOCOMPLETE_MAX_BYTES",
    DEFAULT_LIMITS.autocompleteMaxBytes,
  ),
  DUET_AUTOCOMPLETE_PER_MINUTE: count(
    "DUET_AUTOCOMPLETE_PER_MINUTE",
    DEFAULT_LIMITS.autocompletePerMinute,
  ),
  DUET_PAGE_BYTES_PER_MINUTE: count(
    "DUET_PAGE_BYTES_PER_MINUTE",
    DEFAULT_LIMITS.pageBytesPerMinute,
    1024,
  ),
  DUET_MAX_BUFFERED_BYTES: count("DUET_MAX_BUFFERED_BYTES", DEFAULT_LIMITS.maxBufferedBytes),
  DUET_IDLE_TIMEOUT_SECONDS: count(
    "DUET_IDLE_TIMEOUT_SECONDS",
    DEFAULT_LIMITS.idleTimeoutSeconds,
    0,
  ),
  DUET_MAX_PRESENCE_BYTES: count("DUET_MAX_PRESENCE_BYTES", DEFAULT_LIMITS.maxPresenceBytes, 256),
  DUET_ROOM_TTL_DAYS: count("DUET_ROOM_TTL_DAYS", 30, 0).pipe(
    z.number().max(36_500, "DUET_ROOM_TTL_DAYS must be at most 36500 (100 years)"),
  ),
});

/** Thrown by {@linkcode loadConfig} with every problem in one message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the configuration from environment variables.
 *
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject());
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) =>
      `- ${String(issue.path[0])}: ${issue.message} (got ${
        JSON.stringify(env[String(issue.path[0])])
      })`
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const value = parsed.data;
  if (value.DUET_BUS === "postgres" && !value.DATABASE_URL) {
    throw new ConfigError(
      "Invalid configuration:\n- DUET_BUS: postgres needs DATABASE_URL (the embedded database serves one process)",
    );
  }
  if (value.DUET_BUS === "broadcast" && !value.DATABASE_URL) {
    throw new ConfigError(
      "Invalid configuration:\n- DUET_BUS: broadcast needs DATABASE_URL (every isolate would open its own embedded database, so rooms would differ between them)",
    );
  }
  return {
    port: value.PORT,
    hostname: value.HOSTNAME,
    databaseUrl: value.DATABASE_URL,
    dataDir: value.DUET_DATA_DIR,
    publicUrl: value.PUBLIC_URL?.replace(/\/+$/, ""),
    bus: value.DUET_BUS ?? (value.DATABASE_URL ? "postgres" : "local"),
    limits: {
      maxMessageBytes: value.DUET_MAX_MESSAGE_BYTES,
      maxDocumentBytes: value.DUET_MAX_DOCUMENT_BYTES,
      maxPeoplePerRoom: value.DUET_MAX_PEOPLE_PER_ROOM,
      maxConnectionsPerAddress: value.DUET_MAX_CONNECTIONS_PER_ADDRESS,
      messagesPerSecond: value.DUET_MESSAGES_PER_SECOND,
      roomsPerMinute: value.DUET_ROOMS_PER_MINUTE,
      autocompleteMaxBytes: value.DUET_AUTOCOMPLETE_MAX_BYTES,
      autocompletePerMinute: value.DUET_AUTOCOMPLETE_PER_MINUTE,
      pageBytesPerMinute: value.DUET_PAGE_BYTES_PER_MINUTE,
      maxBufferedBytes: value.DUET_MAX_BUFFERED_BYTES,
      idleTimeoutSeconds: value.DUET_IDLE_TIMEOUT_SECONDS,
      maxPresenceBytes: value.DUET_MAX_PRESENCE_BYTES,
    },
    allowedOrigins: value.DUET_ALLOWED_ORIGINS ?? [],
    roomTtlDays: value.DUET_ROOM_TTL_DAYS,
  };
}
