import type { SqlClient } from "./database.ts";

// This layer's own shapes. They match the interfaces the core declares
// (lib/sync/store.ts, lib/rooms/store.ts), which main.ts hands this repository
// to: the database layer imports nothing above it.

/** A room's public fields. */
export interface RoomRecord {
  roomId: string;
  language: string;
  code: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The document state, plain-text code and language stored for a room. */
export type RoomSnapshot = { state: Uint8Array; code: string; language: string };

/** One row of a room's update log. */
export type LoggedUpdate = { seq: number; update: Uint8Array };

/** A room's stored document: the snapshot and the log rows after `snapshotSeq`. */
export type StoredRoom = Omit<RoomSnapshot, "code"> & {
  snapshotSeq: number;
  updates: LoggedUpdate[];
};

/** The sequence numbers one append gave a room's updates. */
export type AppendedRange = { firstSeq: number; lastSeq: number };

interface RoomRow {
  id: string;
  language: string;
  code: string;
  created_at: Date;
  updated_at: Date;
}

/** All SQL about rooms; the same statements on PGlite and PostgreSQL. */
export class RoomRepository {
  #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /** Inserts a new room. */
  async create(room: RoomSnapshot & { roomId: string }): Promise<RoomRecord> {
    const rows = await this.#db.query<RoomRow>(
      `INSERT INTO rooms (id, language, code, doc_state)
       VALUES ($1, $2, $3, $4)
       RETURNING id, language, code, created_at, updated_at`,
      [room.roomId, room.language, room.code, room.state],
    );
    return toRecord(rows[0]);
  }

  /**
   * The room's public fields, or `undefined` when there is no such room.
   * `logRowsPending` says whether log rows follow the snapshot, so that the
   * stored plain-text code may be older than the document.
   */
  async find(roomId: string): Promise<(RoomRecord & { logRowsPending: boolean }) | undefined> {
    const rows = await this.#db.query<RoomRow & { log_rows_pending: boolean }>(
      `SELECT id, language, code, created_at, updated_at,
         last_seq > snapshot_seq AS log_rows_pending
       FROM rooms WHERE id = $1`,
      [roomId],
    );
    return rows.length
      ? { ...toRecord(rows[0]), logRowsPending: rows[0].log_rows_pending }
      : undefined;
  }

  /** Whether the room exists, without reading its contents. */
  async exists(roomId: string): Promise<boolean> {
    const rows = await this.#db.query("SELECT 1 FROM rooms WHERE id = $1", [
      roomId,
    ]);
    return rows.length > 0;
  }

  /**
   * Everything needed to rebuild a room's document: the latest snapshot and
   * the log rows after it. `undefined` when there is no such room.
   */
  async load(roomId: string): Promise<StoredRoom | undefined> {
    return await this.#db.transaction(async (tx) => {
      const rows = await tx.query<
        { doc_state: Uint8Array; language: string; snapshot_seq: unknown }
      >(
        "SELECT doc_state, language, snapshot_seq FROM rooms WHERE id = $1",
        [roomId],
      );
      if (!rows.length) return undefined;
      const snapshotSeq = Number(rows[0].snapshot_seq);
      return {
        state: rows[0].doc_state,
        language: rows[0].language,
        snapshotSeq,
        updates: await readUpdates(tx, roomId, snapshotSeq),
      };
    });
  }

  /** The room's log rows after `afterSeq`, in order. */
  async readUpdates(roomId: string, afterSeq: number): Promise<LoggedUpdate[]> {
    return await readUpdates(this.#db, roomId, afterSeq);
  }

  /**
   * Appends updates to their rooms' logs in one transaction and returns, per
   * room, the sequence numbers they got. Rooms are locked in id order, so two
   * processes appending to the same rooms wait for each other instead of
   * deadlocking. With `notifyChannel`, a `NOTIFY` per room carries
   * `roomId:lastSeq`; PostgreSQL delivers it only once the rows are committed.
   */
  async appendUpdates(
    entries: readonly { roomId: string; update: Uint8Array }[],
    /** A PostgreSQL channel to `NOTIFY` with `roomId:lastSeq` per room. */
    options: { notifyChannel?: string } = {},
  ): Promise<Map<string, AppendedRange>> {
    const appended = new Map<string, AppendedRange>();
    if (!entries.length) return appended;
    // One call of duet_append_updates (db/migrations/0003), so one round trip
    // and an implicit transaction; the updates travel as one bytea.
    const offsets: number[] = [];
    const lengths: number[] = [];
    let total = 0;
    for (const entry of entries) {
      offsets.push(total);
      lengths.push(entry.update.byteLength);
      total += entry.update.byteLength;
    }
    const updates = new Uint8Array(total);
    entries.forEach((entry, i) => updates.set(entry.update, offsets[i]));
    const rows = await this.#db.query<{ room_id: string; first_seq: unknown; last_seq: unknown }>(
      "SELECT room_id, first_seq, last_seq FROM duet_append_updates($1, $2, $3, $4, $5, $6)",
      [
        entries.map((entry) => entry.roomId),
        updates,
        offsets,
        lengths,
        options.notifyChannel ?? null,
        String(Date.now()),
      ],
    );
    for (const row of rows) {
      appended.set(row.room_id, { firstSeq: Number(row.first_seq), lastSeq: Number(row.last_seq) });
    }
    return appended;
  }

  /**
   * Folds the log into the snapshot: stores `snapshot` as the state covering
   * every row up to `snapshot.seq` and deletes those rows, in one transaction.
   * Only one process compacts a room at a time (an advisory lock); returns
   * false when another holds it or a newer snapshot is already stored.
   */
  async compact(roomId: string, snapshot: RoomSnapshot & { seq: number }): Promise<boolean> {
    return await this.#db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('duet.compact'), hashtext($1)) AS locked",
        [roomId],
      );
      if (!lock.locked) return false;
      const updated = await tx.query(
        `UPDATE rooms SET doc_state = $2, code = $3, language = $4, snapshot_seq = $5::bigint,
           updated_at = now()
         WHERE id = $1 AND snapshot_seq <= $5::bigint
         RETURNING id`,
        [roomId, snapshot.state, snapshot.code, snapshot.language, snapshot.seq],
      );
      if (!updated.length) return false;
      await tx.query("DELETE FROM room_updates WHERE room_id = $1 AND seq <= $2::bigint", [
        roomId,
        snapshot.seq,
      ]);
      return true;
    });
  }

  /** Resolves when the database answers a trivial query. */
  async ping(): Promise<void> {
    await this.#db.query("SELECT 1");
  }
}

function toRecord(row: RoomRow): RoomRecord {
  return {
    roomId: row.id,
    language: row.language,
    code: row.code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function readUpdates(
  db: SqlClient,
  roomId: string,
  afterSeq: number,
): Promise<LoggedUpdate[]> {
  const rows = await db.query<{ seq: unknown; update: Uint8Array }>(
    "SELECT seq, update FROM room_updates WHERE room_id = $1 AND seq > $2::bigint ORDER BY seq",
    [roomId, afterSeq],
  );
  return rows.map((row) => ({ seq: Number(row.seq), update: row.update }));
}
