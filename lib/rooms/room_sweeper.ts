import type { DeleteExpiredOptions } from "./store.ts";
import { type Clock, systemClock, type TimerId } from "../ops/clock.ts";
import { type Logger, silentLogger } from "../ops/logger.ts";

/** What the sweeper needs from storage: `RoomCatalog` in production. */
export interface ExpiringRoomStore {
  deleteExpired(options: DeleteExpiredOptions): Promise<string[] | undefined>;
}

/** What the sweeper needs from the open rooms: `RoomRegistry` in production. */
export interface OpenRooms {
  readonly roomIds: string[];
  roomChanged(roomId: string): Promise<void>;
}

/** Options for {@linkcode RoomSweeper}. */
export interface RoomSweeperOptions {
  /** `DUET_ROOM_TTL_DAYS`; 0 keeps rooms without their own setting for ever. */
  defaultDays: number;
  /** Rooms per transaction; default 100. */
  batchSize?: number;
  /** Batches per sweep at most; default 100 (the rest waits for the next sweep). */
  maxBatches?: number;
  /** Time between sweeps; default one hour (the first comes after a minute). */
  intervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Deletes rooms nobody opened or changed for longer than they are kept. Each
 * batch is one short transaction under an advisory lock, so one process sweeps
 * at a time and live rooms (never swept: opening a room is activity, and rooms
 * open here are skipped) keep their database time between batches.
 */
export class RoomSweeper {
  #store: ExpiringRoomStore;
  #rooms: OpenRooms;
  #options: Required<Omit<RoomSweeperOptions, "clock" | "logger">>;
  #clock: Clock;
  #logger: Logger;
  #timer?: TimerId;
  #sweeping?: Promise<number>;
  #closed = false;

  constructor(store: ExpiringRoomStore, rooms: OpenRooms, options: RoomSweeperOptions) {
    this.#store = store;
    this.#rooms = rooms;
    this.#options = {
      defaultDays: options.defaultDays,
      batchSize: options.batchSize ?? 100,
      maxBatches: options.maxBatches ?? 100,
      intervalMs: options.intervalMs ?? 3_600_000,
    };
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Sweeps a minute from now, then every `intervalMs`. */
  start(): void {
    this.#schedule(Math.min(60_000, this.#options.intervalMs));
  }

  /**
   * Deletes expired rooms in batches until none is left (or `maxBatches`),
   * tells every process about each, and returns how many were deleted. One
   * sweep at a time; another process holding the lock ends this one.
   */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweepBatches().finally(() => this.#sweeping = undefined);
    return this.#sweeping;
  }

  /** Stops sweeping; waits for a sweep in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    await this.#sweeping?.catch(() => {});
  }

  async #sweepBatches(): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < this.#options.maxBatches && !this.#closed; batch++) {
      const ids = await this.#store.deleteExpired({
        defaultDays: this.#options.defaultDays,
        batchSize: this.#options.batchSize,
        now: new Date(this.#clock.now()),
        keep: this.#rooms.roomIds,
      });
      if (ids === undefined) break; // Another process is sweeping.
      for (const roomId of ids) {
        this.#logger.info("room_expired", { roomId });
        await this.#rooms.roomChanged(roomId);
      }
      deleted += ids.length;
      if (ids.length < this.#options.batchSize) break;
    }
    return deleted;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.sweep().catch((error) => this.#logger.error("room_sweep_failed", { error }))
        .finally(() => this.#schedule(this.#options.intervalMs));
    }, ms);
  }
}
