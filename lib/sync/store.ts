/**
 * What the sync core needs from storage. The core owns these interfaces;
 * `db/room_repository.ts` implements them and `main.ts` wires the two, so
 * nothing in `lib/` imports the database layer.
 */

/** One row of a room's update log. */
export interface LoggedUpdate {
  seq: number;
  update: Uint8Array;
}

/** An update waiting to be appended to its room's log. */
export interface PendingUpdate {
  roomId: string;
  update: Uint8Array;
}

/** The sequence numbers one append gave a room's updates. */
export interface AppendedRange {
  firstSeq: number;
  lastSeq: number;
}

/** Which links open a room, and whether it is locked. */
export interface RoomLinks {
  /** The link that lets people edit. */
  editId: string;
  /** The read-only link, `null` when the owner turned it off. */
  viewId: string | null;
  /** Only the owner may edit. */
  locked: boolean;
}

/** A room's stored document: the snapshot and the log rows after it. */
export interface StoredRoom {
  state: Uint8Array;
  /** The language id as stored; readers narrow it (see `languageOr`). */
  language: string;
  /** Which links open the room; absent means whoever reaches it edits. */
  links?: RoomLinks;
  /** The last log row the snapshot covers. */
  snapshotSeq: number;
  updates: LoggedUpdate[];
}

/** What is stored for a room when its log is folded into a snapshot. */
export interface RoomSnapshot {
  /** The Yjs document, encoded as one update. */
  state: Uint8Array;
  /** A plain-text copy of the code. */
  code: string;
  language: string;
}

/** Options for {@linkcode UpdateLogStore.appendUpdates}. */
export interface AppendOptions {
  /** A channel the store notifies with `roomId:lastSeq` per room, in the same transaction. */
  notifyChannel?: string;
}

/** Where the update log's batches go. */
export interface UpdateLogStore {
  /** Appends the updates in one transaction; per room, the sequence numbers they got. */
  appendUpdates(
    entries: readonly PendingUpdate[],
    options?: AppendOptions,
  ): Promise<Map<string, AppendedRange>>;
}

/** What the room registry needs from storage. */
export interface RoomStore extends UpdateLogStore {
  /** The snapshot and log rows to rebuild a room from; `undefined` for no such room. */
  load(roomId: string): Promise<StoredRoom | undefined>;
  /** The room's log rows after `afterSeq`, in order. */
  readUpdates(roomId: string, afterSeq: number): Promise<LoggedUpdate[]>;
  /** Stores `snapshot` as covering the log up to `snapshot.seq`; false when another did or does. */
  compact(roomId: string, snapshot: RoomSnapshot & { seq: number }): Promise<boolean>;
  /** The room's current links and lock; `undefined` once it is deleted. Absent: links never change. */
  control?(roomId: string): Promise<RoomLinks | undefined>;
}
