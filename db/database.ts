import postgres from "postgres";
import { Buffer } from "node:buffer";
import { copyParams, type PgliteCall, type PgliteResponse, toError } from "./pglite_protocol.ts";

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
  /** PostgreSQL only: LISTEN and NOTIFY (the bus's `NotifyConnection`). */
  notifications?: PostgresNotifications;
}

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** A PostgreSQL server; when absent the embedded database is used. */
  databaseUrl?: string;
  /** The embedded database's folder; `memory://` or `undefined` keeps it in memory. */
  dataDir?: string;
  /** Embedded only: how often PGlite (which has no autovacuum) is vacuumed; default a minute. */
  vacuumIntervalMs?: number;
}

/**
 * Opens PostgreSQL (`databaseUrl`) or the embedded PGlite database. PGlite
 * runs in a Web Worker (`pglite_worker.ts`), off the event loop.
 */
export async function openDatabase(
  options: OpenDatabaseOptions,
): Promise<SqlClient> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  const inMemory = !options.dataDir || options.dataDir.startsWith("memory://");
  const vacuumIntervalMs = options.vacuumIntervalMs ?? 60_000;
  if (inMemory) return await openPglite(undefined, vacuumIntervalMs);
  const dataDir = options.dataDir!;
  await Deno.mkdir(dataDir, { recursive: true });
  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    // Creating the database (initdb) leaves PGlite holding about 300 MB it
    // never gives back; a worker that only opens it again starts from half
    // that. Done once, on the first start with a new folder.
    await (await openPglite(dataDir, vacuumIntervalMs)).close();
  }
  return await openPglite(dataDir, vacuumIntervalMs);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function openPglite(
  dataDir: string | undefined,
  vacuumIntervalMs: number,
): Promise<SqlClient> {
  const worker = new PgliteWorker();
  try {
    await worker.call({ kind: "open", dataDir, vacuumIntervalMs });
  } catch (error) {
    worker.stop(new Error("PGlite did not start"));
    throw new Error(`PGlite did not start: ${(error as Error).message}`, { cause: error });
  }
  const wrap = (txId?: number): Omit<SqlClient, "transaction" | "close"> => ({
    async query<Row>(text: string, params: unknown[] = []) {
      const transfer: ArrayBuffer[] = [];
      const call: PgliteCall = { kind: "query", text, params: copyParams(params, transfer), txId };
      return (await worker.call(call, transfer) ?? []) as Row[];
    },
    async execute(script: string) {
      await worker.call({ kind: "execute", script, txId });
    },
  });
  let lastTxId = 0;
  let closing: Promise<void> | undefined;
  return {
    ...wrap(),
    async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      const txId = ++lastTxId;
      await worker.call({ kind: "begin", txId });
      let result: T;
      try {
        result = await work({
          ...wrap(txId),
          transaction: () => Promise.reject(new TypeError("Transactions do not nest")),
          close: () => Promise.reject(new TypeError("Close the outer client")),
        });
      } catch (error) {
        // The caller needs the work's error. Should ROLLBACK fail as well, the
        // worker has died, and the transaction with it.
        await worker.call({ kind: "rollback", txId }).catch(() => {});
        throw error;
      }
      await worker.call({ kind: "commit", txId });
      return result;
    },
    close() {
      closing ??= (async () => {
        try {
          await worker.call({ kind: "close" });
        } finally {
          worker.stop(new Error("The database is closed"));
        }
      })();
      return closing;
    },
  };
}

/** The main thread's end of `pglite_worker.ts`: numbered calls, one pending promise each. */
class PgliteWorker {
  #worker = new Worker(new URL("./pglite_worker.ts", import.meta.url), { type: "module" });
  #pending = new Map<number, PromiseWithResolvers<unknown[] | undefined>>();
  #lastId = 0;
  #stopped: Error | undefined;

  constructor() {
    this.#worker.addEventListener("message", (event: MessageEvent<PgliteResponse>) => {
      const response = event.data;
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      if (response.ok) pending.resolve(response.rows);
      else pending.reject(toError(response.error));
    });
    this.#worker.addEventListener("error", (event) => {
      // Unhandled, an error in the worker would end the whole process.
      event.preventDefault();
      this.stop(new Error(`The PGlite worker failed: ${event.message}`));
    });
    this.#worker.addEventListener("messageerror", () => {
      // A response that cannot be read cannot be matched to its call either.
      this.stop(new Error("The PGlite worker sent a response that could not be read"));
    });
  }

  /** Sends `call` and resolves with the rows of the response, or rejects with its error. */
  call(call: PgliteCall, transfer: ArrayBuffer[] = []): Promise<unknown[] | undefined> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = ++this.#lastId;
    const pending = Promise.withResolvers<unknown[] | undefined>();
    this.#pending.set(id, pending);
    try {
      this.#worker.postMessage({ ...call, id }, transfer);
    } catch (error) {
      this.#pending.delete(id);
      pending.reject(error);
    }
    return pending.promise;
  }

  /** Terminates the worker; every call still pending, and every later one, rejects with `reason`. */
  stop(reason: Error): void {
    this.#stopped ??= reason;
    this.#worker.terminate();
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }
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
    notifications: new PostgresNotifications(sql),
  };
}

/** LISTEN/NOTIFY on PostgreSQL. */
export class PostgresNotifications {
  #sql: PostgresSql;

  constructor(sql: PostgresSql) {
    this.#sql = sql;
  }

  /**
   * LISTENs on `channel` on a dedicated connection that postgres.js
   * re-establishes when lost; `onListen` runs on every (re)connection.
   */
  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ): Promise<{ unlisten(): Promise<void> }> {
    const listener = await this.#sql.listen(channel, onNotify, onListen);
    return { unlisten: () => listener.unlisten() };
  }

  /** Sends `payload` on `channel`. */
  async notify(channel: string, payload: string): Promise<void> {
    await this.#sql.notify(channel, payload);
  }
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
