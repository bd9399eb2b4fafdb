/**
 * Starts Duet: reads the configuration, opens the database, serves the app,
 * and on SIGINT/SIGTERM closes sockets and writes every room before exiting.
 */
import type { Hono } from "hono";
import manifest from "./fresh.gen.ts";
import { openDatabase, type SqlClient } from "./db/database.ts";
import { migrate, readMigrations } from "./db/migrate.ts";
import { RoomRepository } from "./db/room_repository.ts";
import { type AppEnv, createApp } from "./lib/web/app.ts";
import { loadAssetManifest } from "./lib/web/assets.ts";
import { type Config, ConfigError, loadConfig } from "./lib/ops/config.ts";
import type { Clock } from "./lib/ops/clock.ts";
import { createLogger, type Logger } from "./lib/ops/logger.ts";
import { createDuetMetrics } from "./lib/ops/metrics.ts";
import { createRateLimits } from "./lib/web/rate_limiter.ts";
import { BroadcastChannelBus, LocalBus, PostgresBus, type RoomBus } from "./lib/sync/bus.ts";
import { RoomRegistry } from "./lib/sync/registry.ts";
import { StaticFiles } from "./lib/web/static_files.ts";
import { SyncHub } from "./lib/sync/hub.ts";
import { RoomSweeper } from "./lib/rooms/room_sweeper.ts";

/** A running server. */
export interface DuetServer {
  /** The address it listens on, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Stops taking connections, closes sockets, writes every room, closes the database. */
  shutdown(): Promise<void>;
}

/** Options for {@linkcode createDuet}. */
export interface CreateDuetOptions {
  logger?: Logger;
  /** Quiet time before a connection gets a keep-alive message; default 10 s. */
  keepAliveMs?: number;
  /** The clock of the socket hub's throttles (tests move it by hand); default the system's. */
  hubClock?: Clock;
  /**
   * An open, migrated database to use instead of opening the configured one;
   * left open on close (tests share one).
   */
  database?: SqlClient;
}

/** Options for {@linkcode startServer}. */
export interface StartServerOptions extends CreateDuetOptions {
  /** Called once the server listens. */
  onListen?: (url: string) => void;
}

/** Duet's parts, composed and not yet serving. */
export interface Duet {
  /** The HTTP application: `app.fetch` serves it, `app.request()` calls it in memory. */
  app: Hono<AppEnv>;
  hub: SyncHub;
  /** Deletes expired rooms; `startServer` starts it. */
  sweeper: RoomSweeper;
  /**
   * Closes sockets and writes every room; once `idle` resolves (no request
   * in flight any more), closes the bus and the database it opened.
   */
  close(idle?: Promise<unknown>): Promise<void>;
}

/** Opens the database and builds the app and its services (the composition root). */
export async function createDuet(config: Config, options: CreateDuetOptions = {}): Promise<Duet> {
  const logger = options.logger ?? createLogger();
  const db = options.database ?? await openConfiguredDatabase(config, logger);

  const rooms = new RoomRepository(db);
  const bus = createBus(config, db, logger);
  const metrics = createDuetMetrics();
  const registry = new RoomRegistry(rooms, {
    logger,
    bus,
    // Other processes hear of an edit only once its batch commits: keep their
    // wait short. One process alone has only save receipts waiting on a batch
    // (50 ms is unnoticeable there), and fewer, fuller commits cost less.
    commitWindowMs: config.bus === "local" ? 50 : 20,
    metrics,
  });
  const hub = new SyncHub(registry, {
    logger,
    keepAliveMs: options.keepAliveMs,
    limits: config.limits,
    metrics,
    clock: options.hubClock,
  });
  const staticFiles = new StaticFiles(new URL("./static/", import.meta.url));
  await staticFiles.load();
  const app = createApp(manifest, {
    config,
    rooms,
    registry,
    hub,
    assets: await loadAssetManifest(),
    staticFiles,
    logger,
    metrics,
    rateLimits: createRateLimits(config.limits),
  });

  const sweeper = new RoomSweeper(rooms, registry, { defaultDays: config.roomTtlDays, logger });

  let closing: Promise<void> | undefined;
  return {
    app,
    hub,
    sweeper,
    close(idle) {
      closing ??= (async () => {
        // Send people elsewhere (1012: reconnect), then write everything.
        await hub.closeAll();
        await sweeper.close();
        try {
          await registry.close();
        } finally {
          await idle;
          await bus.close();
          if (!options.database) await db.close();
        }
      })();
      return closing;
    },
  };
}

async function openConfiguredDatabase(config: Config, logger: Logger): Promise<SqlClient> {
  let db;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    const where = config.databaseUrl
      ? `PostgreSQL at ${redactPassword(config.databaseUrl)}`
      : `the embedded database in ${config.dataDir}`;
    throw new Error(`Could not open ${where}: ${(error as Error).message}`, { cause: error });
  }
  const applied = await migrate(db, await readMigrations());
  if (applied.length) logger.info("migrations_applied", { versions: applied });
  return db;
}

/** Opens the database, builds the app and serves it. */
export async function startServer(
  config: Config,
  options: StartServerOptions = {},
): Promise<DuetServer> {
  const logger = options.logger ?? createLogger();
  const duet = await createDuet(config, { ...options, logger });
  duet.hub.start();
  duet.sweeper.start();

  const abort = new AbortController();
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    signal: abort.signal,
    onListen: () => {},
  }, duet.app.fetch);
  const address = server.addr as Deno.NetAddr;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const url = `http://${host}:${address.port}`;
  logger.info("server_listening", {
    url,
    database: options.database
      ? "given"
      : config.databaseUrl
      ? "postgresql"
      : `embedded (${config.dataDir})`,
  });
  options.onListen?.(url);

  let stopping: Promise<void> | undefined;
  return {
    url,
    shutdown() {
      stopping ??= (async () => {
        // Close the sockets first and wait for their close handshakes: stopping the server
        // first tears down upgraded connections, and their clients see 1006 instead of 1012.
        await duet.hub.closeAll();
        // Stop taking connections, then close the rest once the last request is answered.
        abort.abort();
        await duet.close(server.finished);
        logger.info("server_stopped");
      })();
      return stopping;
    },
  };
}

function createBus(config: Config, db: SqlClient, logger: Logger): RoomBus {
  switch (config.bus) {
    case "postgres":
      if (!db.notifications) throw new Error("DUET_BUS=postgres needs DATABASE_URL");
      return new PostgresBus(db.notifications, logger);
    case "broadcast":
      return new BroadcastChannelBus();
    case "local":
      return new LocalBus();
  }
}

function redactPassword(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** Reads the configuration from the environment, or exits (2) naming what is wrong. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}

/** On SIGINT/SIGTERM: shut down, then exit 0 (or 1 when that fails or takes over 10 s). */
export function exitOnSignals(server: DuetServer, logger: Logger): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info("shutdown_requested", { signal });
      const timer = setTimeout(() => {
        logger.error("shutdown_timed_out");
        Deno.exit(1);
      }, 10_000);
      server.shutdown().then(() => {
        clearTimeout(timer);
        Deno.exit(0);
      }, (error) => {
        logger.error("shutdown_failed", { error });
        Deno.exit(1);
      });
    });
  }
}

if (import.meta.main) {
  const config = loadConfigOrExit();
  const logger = createLogger({
    format: Deno.stderr.isTerminal() ? "text" : "json",
    level: Deno.env.get("DUET_LOG_LEVEL") === "debug" ? "debug" : "info",
  });
  const server = await startServer(config, {
    logger,
    onListen: (url) => {
      const shown = config.publicUrl ?? url.replace("0.0.0.0", "localhost");
      console.log(`Duet is running at ${shown}`);
    },
  }).catch((error: Error) => {
    console.error(error.message);
    Deno.exit(1);
  });
  exitOnSignals(server, logger);
}
