import type { LanguageId } from "./languages.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { Room } from "./room.ts";

/** What the registry needs from storage. */
export interface RoomStore {
  loadSnapshot(
    roomId: string,
  ): Promise<{ state: Uint8Array; language: LanguageId } | undefined>;
  saveSnapshot(
    roomId: string,
    snapshot: { state: Uint8Array; code: string; language: LanguageId },
  ): Promise<void>;
}

/** A pending timer, as the clock that made it knows it. */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timers and time, injectable so tests never sleep. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** Options for {@linkcode RoomRegistry}. */
export interface RoomRegistryOptions {
  clock?: Clock;
  logger?: Logger;
  /** Quiet time after the last change before a flush; default 1 s. */
  flushDelayMs?: number;
  /** Longest a change waits under continuous typing; default 10 s. */
  maxFlushDelayMs?: number;
  /** First wait before retrying a failed flush, doubled up to 30 s; default 1 s. */
  retryDelayMs?: number;
}

interface RoomEntry {
  room: Room;
  /** Changes since the room was loaded; a flush covers those up to its start. */
  version: number;
  savedVersion: number;
  /** When the oldest unsaved change was made. */
  dirtySince?: number;
  lastChangeAt: number;
  timer?: TimerId;
  flushing?: Promise<void>;
  failures: number;
}

/**
 * The rooms open in this process: loads a room when its first participant
 * arrives, flushes it after changes (debounced, with a maximum delay), flushes
 * and drops it when the last one leaves.
 */
export class RoomRegistry {
  #store: RoomStore;
  #clock: Clock;
  #logger: Logger;
  #flushDelayMs: number;
  #maxFlushDelayMs: number;
  #retryDelayMs: number;
  #rooms = new Map<string, RoomEntry>();
  #loading = new Map<string, Promise<RoomEntry | undefined>>();
  #closed = false;

  constructor(store: RoomStore, options: RoomRegistryOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#flushDelayMs = options.flushDelayMs ?? 1_000;
    this.#maxFlushDelayMs = options.maxFlushDelayMs ?? 10_000;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
  }

  /** How many rooms are in memory. */
  get size(): number {
    return this.#rooms.size;
  }

  /** The room if it is in memory. */
  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId)?.room;
  }

  /**
   * Loads the room if needed and adds the participant. Resolves to
   * `undefined` when no such room is stored.
   */
  async join(
    roomId: string,
    participant: Parameters<Room["join"]>[0],
  ): Promise<Room | undefined> {
    if (this.#closed) throw new Error("Room registry is closed");
    while (true) {
      const entry = this.#rooms.get(roomId) ?? await this.#load(roomId);
      if (!entry) return undefined;
      // A flush may have dropped the freshly loaded, still empty room while
      // we waited; then load it again.
      if (this.#rooms.get(roomId) !== entry) continue;
      entry.room.join(participant);
      return entry.room;
    }
  }

  /** Removes the participant; the last one out flushes and drops the room. */
  leave(roomId: string, participant: Parameters<Room["leave"]>[0]): void {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    entry.room.leave(participant);
    if (entry.room.size === 0) this.#flushNow(roomId, entry);
  }

  /** Writes every room with unsaved changes; resolves when all are stored. */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...this.#rooms].map(([roomId, entry]) => this.#flush(roomId, entry)),
    );
  }

  /** Stops taking participants and writes everything. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#loading.values()]);
    await this.flushAll();
  }

  #load(roomId: string): Promise<RoomEntry | undefined> {
    let loading = this.#loading.get(roomId);
    if (!loading) {
      loading = this.#store.loadSnapshot(roomId).then((snapshot) => {
        if (!snapshot) return undefined;
        const entry: RoomEntry = {
          room: new Room(roomId, {
            state: snapshot.state,
            language: snapshot.language,
            onChange: () => this.#changed(roomId, entry),
          }),
          version: 0,
          savedVersion: 0,
          lastChangeAt: 0,
          failures: 0,
        };
        this.#rooms.set(roomId, entry);
        this.#logger.debug("room_loaded", { roomId });
        return entry;
      }).finally(() => this.#loading.delete(roomId));
      this.#loading.set(roomId, loading);
    }
    return loading;
  }

  #changed(roomId: string, entry: RoomEntry): void {
    entry.version++;
    entry.lastChangeAt = this.#clock.now();
    entry.dirtySince ??= entry.lastChangeAt;
    // While a save is in flight or a retry is waiting, that path reschedules.
    if (entry.flushing || entry.failures > 0) return;
    this.#scheduleDue(roomId, entry);
  }

  /** Schedules the flush at the earlier of quiet time and maximum delay. */
  #scheduleDue(roomId: string, entry: RoomEntry): void {
    const due = Math.min(
      entry.lastChangeAt + this.#flushDelayMs,
      (entry.dirtySince ?? entry.lastChangeAt) + this.#maxFlushDelayMs,
    );
    this.#schedule(roomId, entry, Math.max(0, due - this.#clock.now()));
  }

  #schedule(roomId: string, entry: RoomEntry, delayMs: number): void {
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = undefined;
      this.#flushNow(roomId, entry);
    }, delayMs);
  }

  #flushNow(roomId: string, entry: RoomEntry): void {
    this.#flush(roomId, entry).catch((error) =>
      this.#logger.error("room_flush_crashed", { roomId, error })
    );
  }

  /** Saves the room; at most one save per room is in flight. */
  async #flush(roomId: string, entry: RoomEntry): Promise<void> {
    while (entry.flushing) await entry.flushing;
    if (entry.timer !== undefined) {
      this.#clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (entry.version !== entry.savedVersion) {
      entry.flushing = this.#save(roomId, entry);
      try {
        await entry.flushing;
      } finally {
        entry.flushing = undefined;
      }
    }
    this.#evictIfIdle(roomId, entry);
  }

  async #save(roomId: string, entry: RoomEntry): Promise<void> {
    const version = entry.version;
    const { room } = entry;
    const started = this.#clock.now();
    try {
      await this.#store.saveSnapshot(roomId, {
        state: room.encodeState(),
        code: room.code,
        language: room.language,
      });
    } catch (error) {
      entry.failures++;
      const delay = Math.min(30_000, this.#retryDelayMs * 2 ** (entry.failures - 1));
      this.#logger.error("room_flush_failed", {
        roomId,
        error,
        attempt: entry.failures,
        retryInMs: delay,
      });
      this.#schedule(roomId, entry, delay);
      return;
    }
    entry.failures = 0;
    entry.savedVersion = version;
    if (entry.version === version) {
      entry.dirtySince = undefined;
    } else {
      // Changes arrived during the save: they are due by the usual rules.
      entry.dirtySince = started;
      this.#scheduleDue(roomId, entry);
    }
    this.#logger.debug("room_flushed", { roomId, ms: this.#clock.now() - started });
  }

  #evictIfIdle(roomId: string, entry: RoomEntry): void {
    if (
      entry.room.size > 0 || entry.version !== entry.savedVersion ||
      entry.flushing || this.#rooms.get(roomId) !== entry
    ) return;
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    this.#rooms.delete(roomId);
    entry.room.destroy();
    this.#logger.debug("room_evicted", { roomId });
  }
}
