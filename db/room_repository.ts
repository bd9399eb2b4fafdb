import type { LanguageId } from "../lib/languages.ts";
import type { SqlClient } from "./database.ts";

/** A room as the HTTP API shows it. */
export interface RoomRecord {
  roomId: string;
  language: LanguageId;
  code: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What is stored for a room on each flush. */
export interface RoomSnapshot {
  /** The Yjs document, encoded as one update. */
  state: Uint8Array;
  /** A plain-text copy of the code. */
  code: string;
  language: LanguageId;
}

/** A new room to insert. */
export interface NewRoom extends RoomSnapshot {
  roomId: string;
}

interface RoomRow {
  id: string;
  language: LanguageId;
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
  async create(room: NewRoom): Promise<RoomRecord> {
    const rows = await this.#db.query<RoomRow>(
      `INSERT INTO rooms (id, language, code, doc_state)
       VALUES ($1, $2, $3, $4)
       RETURNING id, language, code, created_at, updated_at`,
      [room.roomId, room.language, room.code, room.state],
    );
    return toRecord(rows[0]);
  }

  /** The room's public fields, or `undefined` when there is no such room. */
  async find(roomId: string): Promise<RoomRecord | undefined> {
    const rows = await this.#db.query<RoomRow>(
      `SELECT id, language, code, created_at, updated_at
       FROM rooms WHERE id = $1`,
      [roomId],
    );
    return rows.length ? toRecord(rows[0]) : undefined;
  }

  /** Whether the room exists, without reading its contents. */
  async exists(roomId: string): Promise<boolean> {
    const rows = await this.#db.query("SELECT 1 FROM rooms WHERE id = $1", [
      roomId,
    ]);
    return rows.length > 0;
  }

  /** The stored document of a room, or `undefined` when there is no such room. */
  async loadSnapshot(roomId: string): Promise<RoomSnapshot | undefined> {
    const rows = await this.#db.query<
      { doc_state: Uint8Array; code: string; language: LanguageId }
    >(
      "SELECT doc_state, code, language FROM rooms WHERE id = $1",
      [roomId],
    );
    if (!rows.length) return undefined;
    const { doc_state: state, code, language } = rows[0];
    return { state, code, language };
  }

  /** Overwrites the room's document, code and language. */
  async saveSnapshot(roomId: string, snapshot: RoomSnapshot): Promise<void> {
    await this.#db.query(
      `UPDATE rooms SET doc_state = $2, code = $3, language = $4, updated_at = now()
       WHERE id = $1`,
      [roomId, snapshot.state, snapshot.code, snapshot.language],
    );
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
