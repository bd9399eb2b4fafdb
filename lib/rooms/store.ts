/**
 * What the room service needs from storage: the rooms themselves, as the HTTP
 * API shows them. Implemented by `db/room_repository.ts`.
 */
import type { LanguageId } from "../shared/languages.ts";
import type { RoomLinks, RoomSnapshot, StoredRoom } from "../sync/store.ts";

export type { RoomLinks } from "../sync/store.ts";

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
  /** The room's internal id, also its first edit link. */
  roomId: string;
  /** The read-only link; none when omitted. */
  viewId?: string;
  /** SHA-256 of the owner key; no owner when omitted. */
  ownerKeyHash?: Uint8Array;
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
  /** A new read-only link, or `null` to turn it off. */
  viewId?: string | null;
  /** A new edit link. */
  editId?: string;
}

/** Options for {@linkcode RoomCatalog.deleteExpired}. */
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
  /** The room a link (edit or read-only id) opens, with its settings; `undefined` for none. */
  resolveLink(linkId: string): Promise<ResolvedLink | undefined>;
  /** A room's links and settings by its internal id. */
  control(roomId: string): Promise<RoomControl | undefined>;
  /** Changes a room's settings and returns them; `undefined` when it is gone. */
  updateControl(roomId: string, change: RoomSettingsChange): Promise<RoomControl | undefined>;
  /** Deletes a room and its log; false when there was none. */
  delete(roomId: string): Promise<boolean>;
  /** Deletes one batch of expired rooms and returns their ids; `undefined` when another process sweeps. */
  deleteExpired(options: DeleteExpiredOptions): Promise<string[] | undefined>;
}
