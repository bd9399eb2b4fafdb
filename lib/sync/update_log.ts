import type { AppendedRange, PendingUpdate, UpdateLogStore } from "./store.ts";
import { type Logger, silentLogger } from "../ops/logger.ts";
import { type Clock, systemClock, type TimerId } from "../ops/clock.ts";

/** Options for {@linkcode UpdateLog}. */
export interface UpdateLogOptions {
  clock?: Clock;
  logger?: Logger;
  /** How long the first update of a batch waits for company; default 20 ms (at most 50). */
  windowMs?: number;
  /** Most updates in one batch; default 2,000. */
  maxBatch?: number;
  /** Most bytes waiting to be written before updates are refused; default 64 MiB. */
  maxPendingBytes?: number;
  /** First retry delay after a failed write, doubled up to 5 s; default 100 ms. */
  retryDelayMs?: number;
  /** Passed to the store, which notifies other processes in the same transaction. */
  notifyChannel?: string;
  /** Called synchronously when a batch is cut, just before it is written. */
  onBatch?: (roomIds: ReadonlySet<string>) => void;
  /** Called once a batch is committed, with each room's new sequence numbers. */
  onCommit?: (ranges: Map<string, AppendedRange>, stats: CommitStats) => void;
  /** Called when writes start failing (false) and when they work again (true). */
  onHealthChange?: (healthy: boolean) => void;
  /** The fine clock `mainThreadMs` is measured with; default `performance.now`. */
  preciseNow?: () => number;
}

/** Figures about one committed batch. */
export interface CommitStats {
  updates: number;
  bytes: number;
  /** From cutting the batch to its commit, wall time. */
  ms: number;
  /**
   * The part of that spent on this thread: cutting the batch (with `onBatch`)
   * and handing it to the store. The rest is the database's (PGlite's worker
   * or the PostgreSQL server).
   */
  mainThreadMs: number;
}

/**
 * Appends every accepted update to the database with group commit: updates
 * arriving within one window go in one transaction, one batch in flight at a
 * time. A failed batch is retried, in order, before anything newer.
 */
export class UpdateLog {
  #store: UpdateLogStore;
  #clock: Clock;
  #logger: Logger;
  #windowMs: number;
  #maxBatch: number;
  #maxPendingBytes: number;
  #retryDelayMs: number;
  #options: UpdateLogOptions;
  #pending: PendingUpdate[] = [];
  /** When each pending update arrived, in the same order. */
  #arrivals: number[] = [];
  #pendingBytes = 0;
  #pendingByRoom = new Map<string, number>();
  #timer?: TimerId;
  #writing?: Promise<void>;
  #failures = 0;
  #healthy = true;
  #idle: { roomId: string; resolve: () => void }[] = [];
  #preciseNow: () => number;

  constructor(store: UpdateLogStore, options: UpdateLogOptions = {}) {
    this.#store = store;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#windowMs = Math.min(50, options.windowMs ?? 20);
    this.#maxBatch = options.maxBatch ?? 2_000;
    this.#maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#preciseNow = options.preciseNow ?? (() => performance.now());
  }

  /** Whether the last write succeeded. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Bytes accepted but not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Whether an update of `bytes` would stay within the memory bound. */
  hasRoomFor(bytes: number): boolean {
    return this.#pendingBytes + bytes <= this.#maxPendingBytes;
  }

  /** Updates of this room accepted but not yet written. */
  pendingFor(roomId: string): number {
    return this.#pendingByRoom.get(roomId) ?? 0;
  }

  /** Queues an update; it is written within the window (or on retry). */
  append(roomId: string, update: Uint8Array): void {
    this.#pending.push({ roomId, update });
    this.#arrivals.push(this.#clock.now());
    this.#pendingBytes += update.byteLength;
    this.#pendingByRoom.set(roomId, this.pendingFor(roomId) + 1);
    if (this.#timer === undefined && !this.#writing && this.#failures === 0) {
      this.#timer = this.#clock.setTimeout(() => this.#writeNow(), this.#windowMs);
    }
  }

  /** Resolves once everything queued so far is written (or rejects when writes fail). */
  async drain(): Promise<void> {
    while (this.#pending.length || this.#writing) {
      if (this.#timer !== undefined) {
        this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      const failuresBefore = this.#failures;
      await this.#write();
      if (this.#failures > failuresBefore) throw new Error("The update log could not be written");
    }
  }

  /** Resolves when nothing of `roomId` is pending (without forcing a write). */
  idle(roomId: string): Promise<void> {
    if (this.pendingFor(roomId) === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push({ roomId, resolve }));
  }

  /** Stops timers; pending updates stay queued (call {@linkcode drain} first). */
  close(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #writeNow(): void {
    this.#timer = undefined;
    this.#write().catch((error) => this.#logger.error("update_log_crashed", { error }));
  }

  async #write(): Promise<void> {
    if (this.#writing || !this.#pending.length) return;
    const cutAt = this.#preciseNow();
    const batch = this.#pending.slice(0, this.#maxBatch);
    const roomIds = new Set(batch.map((entry) => entry.roomId));
    this.#options.onBatch?.(roomIds);
    const bytes = batch.reduce((sum, entry) => sum + entry.update.byteLength, 0);
    const started = this.#clock.now();
    let ranges: Map<string, AppendedRange> | undefined;
    let mainThreadMs = 0;
    this.#writing = (async () => {
      try {
        const appending = this.#store.appendUpdates(batch, {
          notifyChannel: this.#options.notifyChannel,
        });
        mainThreadMs = this.#preciseNow() - cutAt;
        ranges = await appending;
      } catch (error) {
        this.#failures++;
        const delay = Math.min(5_000, this.#retryDelayMs * 2 ** (this.#failures - 1));
        this.#logger.error("update_log_write_failed", {
          error,
          attempt: this.#failures,
          retryInMs: delay,
          pendingUpdates: this.#pending.length,
        });
        this.#setHealthy(false);
        this.#timer ??= this.#clock.setTimeout(() => this.#writeNow(), delay);
      }
    })();
    try {
      await this.#writing;
    } finally {
      this.#writing = undefined;
    }
    if (!ranges) return;
    this.#pending.splice(0, batch.length);
    this.#arrivals.splice(0, batch.length);
    this.#pendingBytes -= bytes;
    for (const entry of batch) {
      const left = this.pendingFor(entry.roomId) - 1;
      if (left > 0) this.#pendingByRoom.set(entry.roomId, left);
      else this.#pendingByRoom.delete(entry.roomId);
    }
    this.#failures = 0;
    this.#setHealthy(true);
    this.#options.onCommit?.(ranges, {
      updates: batch.length,
      bytes,
      ms: this.#clock.now() - started,
      mainThreadMs,
    });
    if (this.#pending.length) {
      // More arrived while writing. The oldest waits out its window (at once
      // when it already has): a quick commit must not turn group commit into
      // one commit per update, each paying a transaction's fixed cost.
      const waited = this.#clock.now() - this.#arrivals[0];
      this.#timer ??= this.#clock.setTimeout(
        () => this.#writeNow(),
        Math.max(0, this.#windowMs - waited),
      );
    }
    this.#idle = this.#idle.filter((waiter) => {
      if (this.pendingFor(waiter.roomId) > 0) return true;
      waiter.resolve();
      return false;
    });
  }

  #setHealthy(healthy: boolean): void {
    if (this.#healthy === healthy) return;
    this.#healthy = healthy;
    this.#logger[healthy ? "info" : "warn"]("update_log_health", { healthy });
    this.#options.onHealthChange?.(healthy);
  }
}
