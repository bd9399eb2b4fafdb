/**
 * What the room service needs from storage: the rooms themselves, as the HTTP
 * API shows them. Implemented by `db/room_repository.ts`.
 */
import type { LanguageId } from "../shared/languages.ts";
import type { RoomSnapshot, StoredRoom } from "../sync/store.ts";

/** A room as the HTTP API shows it. */
export interface RoomRecord {
  roomId: string;
  language: LanguageId;
  code: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A room's record as the store returns it: the language not yet narrowed. */
export type StoredRecord = Omit<RoomRecord, "language"> & { language: string };

/** A new room to insert. */
export interface NewRoom extends RoomSnapshot {
  roomId: string;
}

/** The rooms in storage. */
export interface RoomCatalog {
  /** Inserts a new room. */
  create(room: NewRoom): Promise<StoredRecord>;
  /**
   * The room's record, or `undefined`. `logRowsPending` says whether log rows
   * follow the snapshot, so that the stored plain-text code may be older than the document.
   */
  find(roomId: string): Promise<(StoredRecord & { logRowsPending: boolean }) | undefined>;
  /** Whether the room exists, without reading its contents. */
  exists(roomId: string): Promise<boolean>;
  /** The room's snapshot and log rows; `undefined` for no such room. */
  load(roomId: string): Promise<StoredRoom | undefined>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
}
