/**
 * The Web Worker that owns the embedded PGlite database, so that its
 * queries (WASM Postgres, milliseconds of CPU each) run off the server's
 * event loop. `database.ts` starts it and speaks `pglite_protocol.ts` to it.
 *
 * @module
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import {
  type PgliteRequest,
  type PgliteResponse,
  resultBuffers,
  toErrorFields,
} from "./pglite_protocol.ts";

interface OpenTransaction {
  tx: Transaction;
  end(decision: "commit" | "rollback"): void;
  /** Settles once PGlite has committed or rolled back. */
  ended: Promise<void>;
}

/**
 * PGlite's own start parameters plus a smaller buffer cache: Postgres's
 * 128 MB default costs the process over 100 MB of memory as soon as it
 * starts, for a working set (the log's newest rows, the open rooms) that
 * is a few megabytes. (A database in memory, for tests, still starts with
 * 128 MB: PGlite does not apply these parameters there.)
 */
const START_PARAMS = [
  ...(PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams,
  "-c",
  "shared_buffers=32MB",
];

let db: PGlite | undefined;
let vacuumTimer: ReturnType<typeof setInterval> | undefined;
const transactions = new Map<number, OpenTransaction>();
// Thrown out of the transaction callback to make PGlite roll back.
const ROLLBACK = Symbol("rollback");

self.addEventListener("message", (event: MessageEvent<PgliteRequest>) => {
  const request = event.data;
  // Requests run concurrently, as they would on one PGlite in process: PGlite
  // queues them itself, and a transaction holds its lock until it ends.
  handle(request).then(
    (rows) => respond({ id: request.id, ok: true, rows }),
    (error) => respond({ id: request.id, ok: false, error: toErrorFields(error) }),
  ).finally(() => {
    if (request.kind === "close") self.close();
  });
});

async function handle(request: PgliteRequest): Promise<unknown[] | undefined> {
  switch (request.kind) {
    case "open":
      if (db) throw new TypeError("PGlite is already open");
      db = new PGlite(request.dataDir, { startParams: START_PARAMS });
      await db.waitReady;
      vacuumTimer = setInterval(vacuum, request.vacuumIntervalMs);
      return undefined;
    case "query":
      return (await target(request.txId).query(request.text, request.params)).rows;
    case "execute":
      await target(request.txId).exec(request.script);
      return undefined;
    case "begin":
      transactions.set(request.txId, await begin(open()));
      return undefined;
    case "commit":
    case "rollback": {
      const transaction = transactions.get(request.txId);
      if (!transaction) throw new TypeError(`Transaction ${request.txId} is not open`);
      transactions.delete(request.txId);
      transaction.end(request.kind);
      await transaction.ended;
      return undefined;
    }
    case "close":
      clearInterval(vacuumTimer);
      await open().close();
      return undefined;
  }
}

/**
 * PGlite is PostgreSQL in single-user mode: no autovacuum runs, so the rows
 * compaction deletes would keep their space (and their index entries) for
 * ever, and an embedded database would grow by every keystroke ever typed.
 * A plain VACUUM makes that space reusable; it waits its turn behind any
 * open transaction, like every other statement here.
 */
let vacuuming = false;
async function vacuum(): Promise<void> {
  if (vacuuming || !db || db.closed) return;
  vacuuming = true;
  try {
    await db.exec("VACUUM");
  } catch {
    // The next statement that needs the database reports what is wrong.
  } finally {
    vacuuming = false;
  }
}

function open(): PGlite {
  if (!db) throw new TypeError("PGlite is not open");
  return db;
}

function target(txId: number | undefined): PGlite | Transaction {
  if (txId === undefined) return open();
  const transaction = transactions.get(txId);
  if (!transaction) throw new TypeError(`Transaction ${txId} is not open`);
  return transaction.tx;
}

/** Opens a transaction that stays open until its `end` is called. */
function begin(db: PGlite): Promise<OpenTransaction> {
  const started = Promise.withResolvers<Transaction>();
  const decision = Promise.withResolvers<"commit" | "rollback">();
  const ended = db.transaction(async (tx) => {
    started.resolve(tx);
    if (await decision.promise === "rollback") throw ROLLBACK;
  }).catch((error) => {
    if (error !== ROLLBACK) throw error;
  });
  // When BEGIN itself fails the callback never runs. Once started, a failed
  // COMMIT reaches whoever awaits `ended`; rejecting `started` is then a no-op.
  ended.catch(started.reject);
  return started.promise.then((tx) => ({ tx, end: decision.resolve, ended }));
}

function respond(response: PgliteResponse): void {
  const transfer = response.ok && response.rows ? resultBuffers(response.rows) : [];
  try {
    self.postMessage(response, { transfer });
  } catch {
    try {
      // A buffer that cannot move is copied instead.
      self.postMessage(response);
    } catch (error) {
      // A value that cannot be cloned: answer with the error rather than
      // leave the caller waiting.
      self.postMessage({ id: response.id, ok: false, error: toErrorFields(error) });
    }
  }
}
