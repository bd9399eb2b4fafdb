// Hand-written: PGlite's own PGliteWorker elects a leader among browser tabs; a server needs one private worker and transferred bytes.
/**
 * The messages between `database.ts` (main thread) and `pglite_worker.ts`
 * (the Web Worker that owns PGlite), and how values cross between them.
 *
 * Every call carries a numeric `id` and gets exactly one response with that
 * id. A transaction is named by a `txId` the main thread picks: `begin` opens
 * it, `query` and `execute` with that `txId` run inside it, `commit` or
 * `rollback` ends it.
 *
 * @module
 */

/** What the main thread asks of the worker, before it is numbered. */
export type PgliteCall =
  /**
   * Starts PGlite; `dataDir` undefined keeps it in memory. PGlite has no
   * autovacuum, so the worker runs `VACUUM` every `vacuumIntervalMs`.
   */
  | { kind: "open"; dataDir?: string; vacuumIntervalMs: number }
  | { kind: "query"; text: string; params: unknown[]; txId?: number }
  | { kind: "execute"; script: string; txId?: number }
  | { kind: "begin"; txId: number }
  | { kind: "commit"; txId: number }
  | { kind: "rollback"; txId: number }
  /** Closes PGlite; the worker ends after answering. */
  | { kind: "close" };

/** A call as sent: numbered so that its response can find it. */
export type PgliteRequest = PgliteCall & { id: number };

/** The worker's answer to one request: rows for `query`, nothing for the rest. */
export type PgliteResponse =
  | { id: number; ok: true; rows?: unknown[] }
  | { id: number; ok: false; error: PgliteErrorFields };

/** An error as it crosses the boundary: the message and PostgreSQL's fields. */
export interface PgliteErrorFields {
  message: string;
  /** The SQLSTATE, e.g. `23505` for a unique violation. */
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const POSTGRES_FIELDS = [
  "code",
  "severity",
  "detail",
  "hint",
  "schema",
  "table",
  "column",
  "constraint",
] as const;

/** What of `error` survives the trip: the message and PostgreSQL's string fields. */
export function toErrorFields(error: unknown): PgliteErrorFields {
  const fields: PgliteErrorFields = {
    message: error instanceof Error ? error.message : String(error),
  };
  if (typeof error === "object" && error !== null) {
    const source = error as Record<string, unknown>;
    for (const name of POSTGRES_FIELDS) {
      if (typeof source[name] === "string") fields[name] = source[name];
    }
  }
  return fields;
}

/** An `Error` with the original message and PostgreSQL fields (`code`, …) as properties. */
export function toError(fields: PgliteErrorFields): Error {
  const { message, ...rest } = fields;
  return Object.assign(new Error(message), rest);
}

/**
 * Copies the bytes in `params` (also inside arrays, for `$1::bytea[]`) into
 * fresh buffers and lists those for transfer. Structured cloning would copy
 * a view's whole backing buffer (a decoded update is often a small view of a
 * large socket message), and transferring the caller's own buffer would
 * detach it under the caller.
 */
export function copyParams(
  params: readonly unknown[],
  transfer: ArrayBuffer[],
): unknown[] {
  return params.map((value) => {
    if (value instanceof Uint8Array) {
      const copy = new Uint8Array(value);
      transfer.push(copy.buffer);
      return copy;
    }
    return Array.isArray(value) ? copyParams(value, transfer) : value;
  });
}

/**
 * The buffers behind the `Uint8Array` values of `rows` (bytea, bytea[])
 * that can move instead of being copied: those a value spans entirely.
 */
export function resultBuffers(rows: readonly unknown[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) {
      const { buffer } = value;
      if (
        buffer instanceof ArrayBuffer && value.byteOffset === 0 &&
        value.byteLength === buffer.byteLength
      ) {
        buffers.add(buffer);
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    }
  };
  for (const row of rows) {
    if (typeof row === "object" && row !== null) Object.values(row).forEach(visit);
  }
  return [...buffers];
}
