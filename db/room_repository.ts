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
  links?: RoomLinks;
};

/** The sequence numbers one append gave a room's updates. */
export type AppendedRange = { firstSeq: number; lastSeq: number };

/** A new room to insert: its internal id (also its first edit link), read-only link and owner key hash. */
export type NewRoom = RoomSnapshot & { roomId: string; viewId?: string; ownerKeyHash?: Uint8Array };

/** Which links open a room, and whether it is locked. */
export interface RoomLinks {
  /** The link that lets people edit. */
  editId: string;
  /** The read-only link, `null` when the owner disabled it. */
  viewId: string | null;
  /** Only the owner may edit. */
  locked: boolean;
}

/** A room's links and owner settings, as stored. */
export interface RoomControl extends RoomLinks {
  /** The room's internal id. */
  roomId: string;
  /** SHA-256 of the owner key; `null` for rooms made before owner keys. */
  ownerKeyHash: Uint8Array | null;
  /** Days kept without activity; `null` follows the server default, 0 is for ever. */
  keepDays: number | null;
  /** The last time someone opened or changed the room. */
  activeAt: Date;
}

/** What a link opens: the room and whether it may be edited through it. */
export interface ResolvedLink extends RoomControl {
  access: "edit" | "view";
}

/** A change to a room's settings; omitted fields stay. */
export interface RoomSettingsChange {
  locked?: boolean;
  keepDays?: number | null;
  /** A new read-only link, or `null` to disable it. */
  viewId?: string | null;
  /** A new edit link. */
  editId?: string;
}

/** Options for {@linkcode RoomRepository.deleteExpired}. */
export interface DeleteExpiredOptions {
  /** Days a room without its own setting is kept (`DUET_ROOM_TTL_DAYS`); 0 keeps them. */
  defaultDays: number;
  /** Rooms deleted per transaction. */
  batchSize: number;
  /** The current time. */
  now: Date;
  /** Rooms never deleted here (open in this process). */
  keep?: readonly string[];
}

interface RoomRow {
  id: string;
  language: string;
  code: string;
  created_at: Date;
  updated_at: Date;
}

interface ControlRow {
  id: string;
  edit_id: string;
  view_id: string | null;
  locked: boolean;
  owner_key_hash: Uint8Array | null;
  keep_days: number | null;
  active_at: Date;
}

const CONTROL_COLUMNS = "id, edit_id, view_id, locked, owner_key_hash, keep_days, active_at";

/** All SQL about rooms; the same statements on PGlite and PostgreSQL. */
export class RoomRepository {
  #db: SqlClient;

  constructor(db: SqlClient) {
    this.#db = db;
  }

  /** Inserts a new room. */
  async create(room: NewRoom): Promise<RoomRecord> {
    const rows = await this.#db.query<RoomRow>(
      `INSERT INTO rooms (id, edit_id, view_id, owner_key_hash, language, code, doc_state)
       VALUES ($1, $1, $2, $3, $4, $5, $6)
       RETURNING id, language, code, created_at, updated_at`,
      [
        room.roomId,
        room.viewId ?? null,
        room.ownerKeyHash ?? null,
        room.language,
        room.code,
        room.state,
      ],
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
      // Opening a room is activity: it is kept DUET_ROOM_TTL_DAYS from now.
      const rows = await tx.query<
        {
          doc_state: Uint8Array;
          language: string;
          snapshot_seq: unknown;
          edit_id: string;
          view_id: string | null;
          locked: boolean;
        }
      >(
        `UPDATE rooms SET active_at = now() WHERE id = $1
         RETURNING doc_state, language, snapshot_seq, edit_id, view_id, locked`,
        [roomId],
      );
      if (!rows.length) return undefined;
      const snapshotSeq = Number(rows[0].snapshot_seq);
      return {
        state: rows[0].doc_state,
        language: rows[0].language,
        links: { editId: rows[0].edit_id, viewId: rows[0].view_id, locked: rows[0].locked },
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
           updated_at = now(), active_at = now()
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

  /**
   * The room a link opens (its edit or its view id) and its settings;
   * `undefined` when no room has that link.
   */
  async resolveLink(linkId: string): Promise<ResolvedLink | undefined> {
    const rows = await this.#db.query<ControlRow>(
      `SELECT ${CONTROL_COLUMNS} FROM rooms WHERE edit_id = $1
       UNION ALL SELECT ${CONTROL_COLUMNS} FROM rooms WHERE view_id = $1`,
      [linkId],
    );
    if (!rows.length) return undefined;
    return { ...toControl(rows[0]), access: rows[0].edit_id === linkId ? "edit" : "view" };
  }

  /** A room's links and settings by its internal id. */
  async control(roomId: string): Promise<RoomControl | undefined> {
    const rows = await this.#db.query<ControlRow>(
      `SELECT ${CONTROL_COLUMNS} FROM rooms WHERE id = $1`,
      [roomId],
    );
    return rows.length ? toControl(rows[0]) : undefined;
  }

  /** Changes a room's settings and returns them; `undefined` when it is gone. */
  async updateControl(
    roomId: string,
    change: RoomSettingsChange,
  ): Promise<RoomControl | undefined> {
    const rows = await this.#db.query<ControlRow>(
      `UPDATE rooms SET
         locked = CASE WHEN $2 THEN $3 ELSE locked END,
         keep_days = CASE WHEN $4 THEN $5::integer ELSE keep_days END,
         view_id = CASE WHEN $6 THEN $7 ELSE view_id END,
         edit_id = COALESCE($8, edit_id)
       WHERE id = $1
       RETURNING ${CONTROL_COLUMNS}`,
      [
        roomId,
        change.locked !== undefined,
        change.locked ?? false,
        change.keepDays !== undefined,
        change.keepDays ?? null,
        change.viewId !== undefined,
        change.viewId ?? null,
        change.editId ?? null,
      ],
    );
    return rows.length ? toControl(rows[0]) : undefined;
  }

  /** Deletes a room and its log in one transaction; false when there was none. */
  async delete(roomId: string): Promise<boolean> {
    return await this.#db.transaction(async (tx) => {
      const gone = await tx.query("DELETE FROM rooms WHERE id = $1 RETURNING id", [roomId]);
      await tx.query("DELETE FROM room_updates WHERE room_id = $1", [roomId]);
      return gone.length > 0;
    });
  }

  /**
   * Deletes up to `batchSize` rooms unused for longer than they are kept,
   * with their logs, in one transaction, and returns their ids. Only one
   * process sweeps at a time (an advisory lock): `undefined` when another
   * holds it.
   */
  async deleteExpired(options: DeleteExpiredOptions): Promise<string[] | undefined> {
    return await this.#db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('duet.expire')) AS locked",
      );
      if (!lock.locked) return undefined;
      const rows = await tx.query<{ id: string }>(
        `DELETE FROM rooms WHERE id IN (
           SELECT id FROM rooms
           WHERE COALESCE(keep_days, $1::integer) > 0
             AND active_at < $2::timestamptz - make_interval(days => COALESCE(keep_days, $1::integer))
             AND NOT (id = ANY($3::text[]))
           ORDER BY active_at
           LIMIT $4::integer
           FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [options.defaultDays, options.now.toISOString(), options.keep ?? [], options.batchSize],
      );
      const ids = rows.map((row) => row.id);
      if (ids.length) {
        await tx.query("DELETE FROM room_updates WHERE room_id = ANY($1::text[])", [ids]);
      }
      return ids;
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

function toControl(row: ControlRow): RoomControl {
  return {
    roomId: row.id,
    editId: row.edit_id,
    viewId: row.view_id,
    locked: row.locked,
    ownerKeyHash: row.owner_key_hash,
    keepDays: row.keep_days === null ? null : Number(row.keep_days),
    activeAt: row.active_at,
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
