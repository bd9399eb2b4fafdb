import type { Hono } from "hono";
import { openDatabase, type SqlClient } from "../db/database.ts";
import { migrate, readMigrations } from "../db/migrate.ts";
import type { AppEnv } from "../lib/web/app.ts";
import { type Config, loadConfig } from "../lib/ops/config.ts";
import type { Clock } from "../lib/ops/clock.ts";
import type { Limits } from "../lib/ops/limits.ts";
import { createLogger, type Logger, silentLogger } from "../lib/ops/logger.ts";
import { createDuet, type DuetServer, startServer } from "../main.ts";

/** Options for {@linkcode startTestServer} and {@linkcode createTestApp}. */
export interface TestServerOptions {
  /** Use PostgreSQL at this address instead of the shared in-memory PGlite. */
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
  /** The clock of the socket hub's throttles; default the system's. */
  hubClock?: Clock;
}

/** A Duet server on a free loopback port, closed by `await using`. */
export interface TestServer extends DuetServer, AsyncDisposable {}

/** Duet's app called in memory, as Hono's own tests do: no port, no socket. */
export interface TestApp extends AsyncDisposable {
  app: Hono<AppEnv>;
  /** `app.request()` from 127.0.0.1 (or `from`), with a relative path or a full URL. */
  request(path: string, init?: RequestInit, from?: string): Promise<Response>;
}

let sharedDatabase: Promise<SqlClient> | undefined;

/**
 * One in-memory PGlite, migrated, for every test of the process that does
 * not ask for its own storage: starting PGlite costs seconds, a room costs
 * nothing, and each test makes its own rooms (random ids) in a Duet of its
 * own, as tests against one PostgreSQL server do. Closed when the process ends.
 */
function testDatabase(): Promise<SqlClient> {
  sharedDatabase ??= (async () => {
    const db = await openDatabase({ dataDir: "memory://" });
    await migrate(db, await readMigrations());
    globalThis.addEventListener("unload", () => void db.close().catch(() => {}));
    return db;
  })();
  return sharedDatabase;
}

function testConfig(options: TestServerOptions): Config {
  const defaults = loadConfig({});
  return {
    ...defaults,
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir ?? "memory://",
    publicUrl: options.publicUrl,
    limits: { ...defaults.limits, ...options.limits },
    allowedOrigins: options.allowedOrigins ?? [],
  };
}

async function storageFor(options: TestServerOptions): Promise<SqlClient | undefined> {
  return options.databaseUrl || options.dataDir ? undefined : await testDatabase();
}

/** A Duet server on a free loopback port, for tests. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startServer(testConfig(options), {
    logger: options.logger ?? silentLogger,
    keepAliveMs: options.keepAliveMs,
    hubClock: options.hubClock,
    database: await storageFor(options),
  });
  return { ...server, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** Duet's app in memory (over the shared test database unless told otherwise). */
export async function createTestApp(options: TestServerOptions = {}): Promise<TestApp> {
  const duet = await createDuet(testConfig(options), {
    logger: options.logger ?? silentLogger,
    database: await storageFor(options),
  });
  const remoteAddr = (hostname: string): Deno.NetAddr => ({
    transport: "tcp",
    hostname,
    port: 40_000,
  });
  return {
    app: duet.app,
    request: async (path, init, from = "127.0.0.1") =>
      await duet.app.request(path, init, { remoteAddr: remoteAddr(from) }),
    [Symbol.asyncDispose]: () => duet.close(),
  };
}

/** Log lines as parsed JSON, for tests that check what is logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    format: "json",
    level: "debug",
    write: (line) => lines.push(JSON.parse(line)),
  });
  return { logger, lines };
}

/** The database backends the storage tests run against. */
export function storageBackends(): { name: string; databaseUrl?: string }[] {
  const backends: { name: string; databaseUrl?: string }[] = [{ name: "PGlite" }];
  const databaseUrl = Deno.env.get("DATABASE_URL");
  if (databaseUrl) backends.push({ name: "PostgreSQL", databaseUrl });
  return backends;
}
