import { languageOr } from "../shared/languages.ts";
import { type Clock, systemClock, type TimerId } from "../ops/clock.ts";
import { type Logger, silentLogger } from "../ops/logger.ts";
import type { DuetMetrics } from "../ops/metrics.ts";
import { type Participant, Room, type RoomHooks } from "./room.ts";
import type { RoomBus } from "./bus.ts";
import type { AppendedRange, RoomStore } from "./store.ts";
import { type CommitStats, UpdateLog } from "./update_log.ts";

export type { Clock, TimerId } from "../ops/clock.ts";
export { systemClock } from "../ops/clock.ts";

/** Options for {@linkcode RoomRegistry}. */
export interface RoomRegistryOptions {
  clock?: Clock;
  logger?: Logger;
  /** Shares updates and presence with other processes; none by default. */
  bus?: RoomBus;
  /** Group-commit window of the update log; default 20 ms. */
  commitWindowMs?: number;
  /** Bytes of updates that may wait for the database; default 64 MiB. */
  maxPendingBytes?: number;
  /** Compact a room once this many log rows follow its snapshot; default 500. */
  compactAfterRows?: number;
  /** Compact a room after this long without changes; default 30 s. */
  compactIdleMs?: number;
  /** Where committed batches and the bus's lag are counted. */
  metrics?: DuetMetrics;
}

interface RoomEntry {
  roomId: string;
  room: Room;
  /** Every log row up to here is applied to the document. */
  knownSeq: number;
  /** Rows up to here are folded into the stored snapshot. */
  snapshotSeq: number;
  /** Save receipts taken when the batch in flight was cut. */
  captured?: Map<Participant, number>;
  catchingUp?: Promise<void>;
  catchUpAgain: boolean;
  compactTimer?: TimerId;
  lastChangeAt: number;
  compacting?: Promise<void>;
  evicting?: Promise<void>;
}

/**
 * The rooms open in this process. A room is loaded (snapshot + log) when its
 * first participant arrives; every change is appended to the update log by
 * group commit and receipts go back to the people who made it; other
 * processes' changes arrive through the bus and are read from the log; a room
 * is compacted now and then, and when its last participant leaves it is
 * written, compacted and dropped from memory.
 */
export class RoomRegistry {
  #store: RoomStore;
  #clock: Clock;
  #logger: Logger;
  #bus?: RoomBus;
  #log: UpdateLog;
  #compactAfterRows: number;
  #compactIdleMs: number;
  #rooms = new Map<string, RoomEntry>();
  #loading = new Map<string, Promise<RoomEntry | undefined>>();
  #closed = false;

  constructor(store: RoomStore, options: RoomRegistryOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#bus = options.bus;
    this.#compactAfterRows = options.compactAfterRows ?? 500;
    this.#compactIdleMs = options.compactIdleMs ?? 30_000;
    this.#log = new UpdateLog(store, {
      clock: this.#clock,
      logger: this.#logger,
      windowMs: options.commitWindowMs,
      maxPendingBytes: options.maxPendingBytes,
      notifyChannel: this.#bus?.notifyChannel,
      onBatch: (roomIds) => {
        for (const roomId of roomIds) {
          const entry = this.#rooms.get(roomId);
          if (entry) entry.captured = entry.room.captureSaved();
        }
      },
      onCommit: (ranges, stats) => {
        this.#committed(ranges);
        if (options.metrics) observeCommit(options.metrics, stats);
      },
      onHealthChange: (healthy) => {
        for (const entry of this.#rooms.values()) entry.room.announceStorage(healthy);
      },
    });
    this.#bus?.subscribe({
      update: (roomId, seq, sentAt) => {
        if (sentAt !== undefined) {
          // How long another process's change took to be announced here.
          options.metrics?.busLagSeconds.observe(Math.max(0, Date.now() - sentAt) / 1000);
        }
        const entry = this.#rooms.get(roomId);
        if (entry && seq > entry.knownSeq) this.#catchUp(entry);
      },
      awareness: (roomId, message) => {
        try {
          this.#rooms.get(roomId)?.room.applyRemoteAwareness(message);
        } catch (error) {
          this.#logger.warn("bus_awareness_rejected", { roomId, error });
        }
      },
      reconnected: () => {
        // Notifications may have been missed while the listener was away.
        for (const entry of this.#rooms.values()) {
          this.#catchUp(entry);
          this.#refreshAccess(entry.roomId);
        }
      },
      roomChanged: (roomId) => this.#refreshAccess(roomId),
    });
  }

  /** How many rooms are in memory. */
  get size(): number {
    return this.#rooms.size;
  }

  /** Whether the update log is being written. */
  get healthy(): boolean {
    return this.#log.healthy;
  }

  /** Log rows of the open rooms that wait to be folded into a snapshot. */
  get logRowsPending(): number {
    let rows = 0;
    for (const entry of this.#rooms.values()) rows += entry.knownSeq - entry.snapshotSeq;
    return rows;
  }

  /** Bytes of updates waiting for the database. */
  get pendingBytes(): number {
    return this.#log.pendingBytes;
  }

  /** The ids of the rooms in memory. */
  get roomIds(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The room if it is in memory. */
  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId)?.room;
  }

  /**
   * Loads the room if needed and adds the participant. Resolves to
   * `undefined` when no such room is stored; rejects when it cannot be loaded
   * (a room is never created empty in its place).
   */
  async join(roomId: string, participant: Participant): Promise<Room | undefined> {
    if (this.#closed) throw new Error("Room registry is closed");
    while (true) {
      const entry = this.#rooms.get(roomId) ?? await this.#load(roomId);
      if (!entry) return undefined;
      // An eviction may have dropped the room while we waited; load it again.
      if (this.#rooms.get(roomId) !== entry) continue;
      entry.room.join(participant);
      if (participant.savedClientId !== undefined && this.#log.pendingFor(roomId) === 0) {
        // Nothing of this room waits for the database: all it holds is saved.
        entry.room.acknowledge(entry.room.captureSaved());
      }
      if (!this.#log.healthy) entry.room.announceStorage(false);
      return entry.room;
    }
  }

  /** Removes the participant; the last one out writes, compacts and drops the room. */
  leave(roomId: string, participant: Participant): void {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    entry.room.leave(participant);
    if (entry.room.size === 0) this.#evictLater(entry);
  }

  /**
   * The owner changed the room's links or lock, or deleted it: applies the
   * stored state to the room if it is open here (closing connections whose
   * link no longer opens it) and tells the other processes to do the same.
   */
  async roomChanged(roomId: string): Promise<void> {
    this.#bus?.publishRoomChange?.(roomId);
    await this.#applyAccess(roomId);
  }

  #refreshAccess(roomId: string): void {
    this.#applyAccess(roomId).catch((error) =>
      this.#logger.error("room_access_refresh_failed", { roomId, error })
    );
  }

  async #applyAccess(roomId: string): Promise<void> {
    if (!this.#store.control) return;
    // A room loading now reads the new state itself; wait so it is not missed.
    await this.#loading.get(roomId);
    if (!this.#rooms.has(roomId)) return;
    const links = await this.#store.control(roomId);
    this.#rooms.get(roomId)?.room.setAccess(
      links && { editId: links.editId, viewId: links.viewId, locked: links.locked },
    );
  }

  /** Stops taking participants, writes everything and compacts open rooms. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#loading.values()]);
    try {
      await this.#log.drain();
    } finally {
      this.#log.close();
    }
    await Promise.allSettled([...this.#rooms.values()].map((entry) => this.#compact(entry)));
    for (const entry of this.#rooms.values()) {
      if (entry.compactTimer !== undefined) this.#clock.clearTimeout(entry.compactTimer);
    }
  }

  #load(roomId: string): Promise<RoomEntry | undefined> {
    let loading = this.#loading.get(roomId);
    if (!loading) {
      loading = (async () => {
        const stored = await this.#store.load(roomId);
        if (!stored) return undefined;
        const entry: RoomEntry = {
          roomId,
          room: new Room(roomId, {
            state: stored.state,
            updates: stored.updates.map((row) => row.update),
            language: languageOr(stored.language),
            hooks: this.#hooksFor(roomId),
            links: stored.links,
          }),
          knownSeq: stored.updates.at(-1)?.seq ?? stored.snapshotSeq,
          snapshotSeq: stored.snapshotSeq,
          catchUpAgain: false,
          lastChangeAt: 0,
        };
        this.#rooms.set(roomId, entry);
        this.#logger.debug("room_loaded", { roomId, logRows: stored.updates.length });
        // A notification sent between our read and now would be lost: read once more.
        if (this.#bus) this.#catchUp(entry);
        return entry;
      })().finally(() => this.#loading.delete(roomId));
      this.#loading.set(roomId, loading);
    }
    return loading;
  }

  /**
   * The write path of a room: what it accepts must fit in the update log's
   * memory bound, each update goes to the log (group commit), presence to the
   * other processes, and every change restarts the wait for compaction.
   */
  #hooksFor(roomId: string): RoomHooks {
    return {
      admitUpdate: (bytes) => this.#log.hasRoomFor(bytes),
      onUpdate: (update) => this.#log.append(roomId, update),
      onPresence: (message) => this.#bus?.publishAwareness(roomId, message),
      onChange: () => {
        const entry = this.#rooms.get(roomId);
        if (entry) this.#scheduleCompaction(entry);
      },
    };
  }

  #committed(ranges: Map<string, AppendedRange>): void {
    for (const [roomId, range] of ranges) {
      // A bus without an in-transaction channel is told after the commit.
      if (this.#bus && !this.#bus.notifyChannel) this.#bus.publishUpdate(roomId, range.lastSeq);
      const entry = this.#rooms.get(roomId);
      if (!entry) continue;
      if (entry.captured) {
        entry.room.acknowledge(entry.captured);
        entry.captured = undefined;
      }
      if (range.firstSeq === entry.knownSeq + 1) {
        entry.knownSeq = range.lastSeq;
      } else if (range.lastSeq > entry.knownSeq) {
        // Another process wrote rows in between: read them.
        this.#catchUp(entry);
      }
      if (entry.knownSeq - entry.snapshotSeq >= this.#compactAfterRows) {
        this.#compactNow(entry);
      }
    }
  }

  /** Reads and applies log rows after `knownSeq`; one read per room at a time. */
  #catchUp(entry: RoomEntry): void {
    if (entry.catchingUp) {
      entry.catchUpAgain = true;
      return;
    }
    entry.catchingUp = (async () => {
      do {
        entry.catchUpAgain = false;
        const rows = await this.#store.readUpdates(entry.roomId, entry.knownSeq);
        for (const row of rows) {
          if (row.seq <= entry.knownSeq) continue;
          entry.room.applyRemoteUpdate(row.update);
          entry.knownSeq = row.seq;
        }
      } while (entry.catchUpAgain);
    })().catch((error) => {
      this.#logger.error("room_catch_up_failed", { roomId: entry.roomId, error });
    }).finally(() => {
      entry.catchingUp = undefined;
    });
  }

  /** Compacts once the room has been quiet for a while; one timer, not one per keystroke. */
  #scheduleCompaction(entry: RoomEntry): void {
    entry.lastChangeAt = this.#clock.now();
    if (entry.compactTimer !== undefined) return;
    const wait = (ms: number) => {
      entry.compactTimer = this.#clock.setTimeout(() => {
        const quiet = this.#clock.now() - entry.lastChangeAt;
        if (quiet < this.#compactIdleMs) return wait(this.#compactIdleMs - quiet);
        entry.compactTimer = undefined;
        this.#compactNow(entry);
      }, ms);
    };
    wait(this.#compactIdleMs);
  }

  #compactNow(entry: RoomEntry): void {
    this.#compact(entry).catch((error) =>
      this.#logger.error("room_compaction_failed", { roomId: entry.roomId, error })
    );
  }

  /** Stores the document as a snapshot covering the log up to `knownSeq`. */
  async #compact(entry: RoomEntry): Promise<void> {
    while (entry.compacting) await entry.compacting;
    if (entry.knownSeq <= entry.snapshotSeq) return;
    const seq = entry.knownSeq;
    const { room } = entry;
    entry.compacting = (async () => {
      const started = this.#clock.now();
      const done = await this.#store.compact(entry.roomId, {
        state: room.encodeState(),
        code: room.code,
        language: room.language,
        seq,
      });
      if (done) entry.snapshotSeq = Math.max(entry.snapshotSeq, seq);
      this.#logger.debug("room_compacted", {
        roomId: entry.roomId,
        seq,
        done,
        ms: this.#clock.now() - started,
      });
    })();
    try {
      await entry.compacting;
    } finally {
      entry.compacting = undefined;
    }
  }

  #evictLater(entry: RoomEntry): void {
    entry.evicting ??= this.#evict(entry).catch((error) => {
      this.#logger.error("room_eviction_failed", { roomId: entry.roomId, error });
    }).finally(() => {
      entry.evicting = undefined;
      // Someone may have left while we finished; try again.
      if (entry.room.size === 0 && this.#rooms.get(entry.roomId) === entry) {
        this.#clock.setTimeout(() => this.#evictLater(entry), 1_000);
      }
    });
  }

  async #evict(entry: RoomEntry): Promise<void> {
    const { roomId } = entry;
    // Everything accepted for this room must be in the log first.
    while (this.#log.pendingFor(roomId) > 0) {
      if (entry.room.size > 0) return;
      await this.#log.idle(roomId);
    }
    if (entry.room.size > 0) return;
    await entry.catchingUp;
    // The log already holds everything: a failed compaction only costs load time.
    await this.#compact(entry).catch((error) =>
      this.#logger.warn("room_compaction_failed", { roomId, error })
    );
    if (entry.room.size > 0 || this.#log.pendingFor(roomId) > 0) return;
    if (this.#rooms.get(roomId) !== entry) return;
    if (entry.compactTimer !== undefined) this.#clock.clearTimeout(entry.compactTimer);
    this.#rooms.delete(roomId);
    entry.room.destroy();
    this.#logger.debug("room_evicted", { roomId });
  }
}

function observeCommit(metrics: DuetMetrics, stats: CommitStats): void {
  metrics.commitBatchUpdates.observe(stats.updates);
  metrics.commitSeconds.observe(stats.ms / 1000);
  metrics.commitMainThreadSeconds.observe(stats.mainThreadMs / 1000);
}
