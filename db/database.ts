import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { Buffer } from "node:buffer";

/** The little of SQL the repository needs, the same on both backends. */
export interface SqlClient {
  /** Runs one parameterised statement and returns its rows. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters. */
  execute(script: string): Promise<void>;
  /** Runs `work` in one transaction, committed when it resolves. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Closes the connection or the embedded database. */
  close(): Promise<void>;
  /** PostgreSQL only: LISTEN and NOTIFY. */
  notifications?: NotifyConnection;
}

/** LISTEN/NOTIFY on PostgreSQL. */
export interface NotifyConnection {
  /**
   * LISTENs on `channel` on a dedicated connection that is re-established
   * when lost; `onListen` runs on every (re)connection.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
  notify(channel: string, payload: string): Promise<void>;
}

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** A PostgreSQL server; when absent the embedded database is used. */
  databaseUrl?: string;
  /** The embedded database's folder; `memory://` or `undefined` keeps it in memory. */
  dataDir?: string;
}

/** Opens PostgreSQL (`databaseUrl`) or the embedded PGlite database. */
export async function openDatabase(
  options: OpenDatabaseOptions,
): Promise<SqlClient> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  const inMemory = !options.dataDir || options.dataDir.startsWith("memory://");
  if (!inMemory) await Deno.mkdir(options.dataDir!, { recursive: true });
  const db = new PGlite(inMemory ? undefined : options.dataDir);
  await db.waitReady;
  return pgliteClient(db, () => db.close());
}

interface PGliteLike {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(script: string): Promise<unknown>;
}

function pgliteClient(
  db: PGliteLike & {
    transaction<T>(work: (tx: PGliteLike) => Promise<T>): Promise<T>;
  },
  close: () => Promise<void>,
): SqlClient {
  const wrap = (target: PGliteLike): Omit<SqlClient, "transaction" | "close"> => ({
    async query<Row>(text: string, params: unknown[] = []) {
      return (await target.query<Row>(text, params)).rows;
    },
    async execute(script: string) {
      await target.exec(script);
    },
  });
  return {
    ...wrap(db),
    transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        work({
          ...wrap(tx),
          transaction: () => Promise.reject(new TypeError("Transactions do not nest")),
          close: () => Promise.reject(new TypeError("Close the outer client")),
        })
      );
    },
    close,
  };
}

// deno-lint-ignore no-explicit-any
type PostgresSql = any;

async function openPostgres(url: string): Promise<SqlClient> {
  const sql: PostgresSql = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: "duet" },
  });
  // Fail at start, with a clear message, when the server cannot be reached.
  await sql`SELECT 1`;
  const wrap = (target: PostgresSql): Omit<SqlClient, "transaction" | "close"> => ({
    async query<Row>(text: string, params: unknown[] = []) {
      const rows = await target.unsafe(text, params.map(toPostgresParam));
      return Array.from(rows, normaliseRow) as Row[];
    },
    async execute(script: string) {
      await target.unsafe(script);
    },
  });
  return {
    ...wrap(sql),
    transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      return sql.begin((tx: PostgresSql) =>
        work({
          ...wrap(tx),
          transaction: () => Promise.reject(new TypeError("Transactions do not nest")),
          close: () => Promise.reject(new TypeError("Close the outer client")),
        })
      );
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
    notifications: {
      async listen(channel, onNotify, onListen) {
        const listener = await sql.listen(channel, onNotify, onListen);
        return { unlisten: () => listener.unlisten() };
      },
      async notify(channel, payload) {
        await sql.notify(channel, payload);
      },
    },
  };
}

// postgres.js sends a Buffer as bytea and reads bytea back as a Buffer; the
// rest of Duet uses plain Uint8Array.
function toPostgresParam(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value;
}

function normaliseRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = Buffer.isBuffer(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : value;
  }
  return out;
}
