import { type Config, loadConfig } from "../lib/ops/config.ts";
import type { Limits } from "../lib/ops/limits.ts";
import { type Logger, silentLogger } from "../lib/ops/logger.ts";
import { type DuetServer, startServer } from "../main.ts";

/** Options for {@linkcode startTestServer}. */
export interface TestServerOptions {
  /** Use PostgreSQL at this address instead of an in-memory PGlite. */
  databaseUrl?: string;
  /** Keep the embedded database in this folder (to restart on the same data). */
  dataDir?: string;
  port?: number;
  keepAliveMs?: number;
  /** Limits to change from the defaults. */
  limits?: Partial<Limits>;
  /** `DUET_ALLOWED_ORIGINS`. */
  allowedOrigins?: string[];
  /** `PUBLIC_URL`. */
  publicUrl?: string;
  /** Where log lines go; default nowhere. */
  logger?: Logger;
}

/** A Duet server on a free loopback port, for tests. */
export async function startTestServer(options: TestServerOptions = {}): Promise<DuetServer> {
  const defaults = loadConfig({});
  const config: Config = {
    ...defaults,
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir ?? "memory://",
    publicUrl: options.publicUrl,
    limits: { ...defaults.limits, ...options.limits },
    allowedOrigins: options.allowedOrigins ?? [],
  };
  return await startServer(config, {
    logger: options.logger ?? silentLogger,
    keepAliveMs: options.keepAliveMs,
  });
}

/** The database backends the storage tests run against. */
export function storageBackends(): { name: string; databaseUrl?: string }[] {
  const backends: { name: string; databaseUrl?: string }[] = [{ name: "PGlite" }];
  const databaseUrl = Deno.env.get("DATABASE_URL");
  if (databaseUrl) backends.push({ name: "PostgreSQL", databaseUrl });
  return backends;
}
