import { z } from "zod";

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
}

const blankAsUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

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
  return {
    port: value.PORT,
    hostname: value.HOSTNAME,
    databaseUrl: value.DATABASE_URL,
    dataDir: value.DUET_DATA_DIR,
    publicUrl: value.PUBLIC_URL?.replace(/\/+$/, ""),
    bus: value.DUET_BUS ?? (value.DATABASE_URL ? "postgres" : "local"),
  };
}
