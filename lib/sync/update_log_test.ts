import assert from "node:assert/strict";
import type { AppendedRange, PendingUpdate, UpdateLogStore } from "./store.ts";
import { FakeClock, settle } from "../../tests/_fake_clock.ts";
import { type CommitStats, UpdateLog } from "./update_log.ts";

class MemoryLog implements UpdateLogStore {
  batches: PendingUpdate[][] = [];
  seqs = new Map<string, number>();
  failNext = 0;
  #gate?: Promise<void>;
  #open?: () => void;

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async appendUpdates(entries: readonly PendingUpdate[]) {
    await this.#gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("connection refused");
    }
    this.batches.push([...entries]);
    const ranges = new Map<string, AppendedRange>();
    for (const { roomId } of entries) {
      const seq = (this.seqs.get(roomId) ?? 0) + 1;
      this.seqs.set(roomId, seq);
      const range = ranges.get(roomId);
      if (range) range.lastSeq = seq;
      else ranges.set(roomId, { firstSeq: seq, lastSeq: seq });
    }
    return ranges;
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("UpdateLog – writes updates of one window in one batch", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const committed: Map<string, AppendedRange>[] = [];
  const log = new UpdateLog(store, {
    clock,
    windowMs: 20,
    onCommit: (ranges) => committed.push(ranges),
  });
  log.append("a", bytes(1));
  await clock.tick(10);
  log.append("b", bytes(2));
  log.append("a", bytes(3));
  assert.equal(store.batches.length, 0);
  assert.equal(log.pendingFor("a"), 2);
  await clock.tick(10);
  assert.equal(store.batches.length, 1);
  assert.deepEqual(store.batches[0].map((entry) => entry.roomId), ["a", "b", "a"]);
  assert.deepEqual(committed[0].get("a"), { firstSeq: 1, lastSeq: 2 });
  assert.equal(log.pendingFor("a"), 0);
  assert.equal(log.pendingBytes, 0);
  assert.equal(clock.pending, 0);
});

Deno.test("UpdateLog – never waits more than 50 ms to start a batch", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const log = new UpdateLog(store, { clock, windowMs: 500 });
  log.append("a", bytes(1));
  await clock.tick(49);
  assert.equal(store.batches.length, 0);
  await clock.tick(1);
  assert.equal(store.batches.length, 1);
});

Deno.test("UpdateLog – keeps one batch in flight and sends what came meanwhile next", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const cuts: string[][] = [];
  const log = new UpdateLog(store, { clock, windowMs: 20, onBatch: (ids) => cuts.push([...ids]) });
  store.hold();
  log.append("a", bytes(1));
  await clock.tick(20);
  log.append("b", bytes(2));
  log.append("c", bytes(3));
  await clock.tick(100);
  assert.equal(cuts.length, 1, "the second batch waits for the first");
  store.release();
  await settle();
  await clock.tick(0);
  assert.deepEqual(cuts, [["a"], ["b", "c"]]);
  assert.deepEqual(store.batches.map((batch) => batch.length), [1, 2]);
});

Deno.test("UpdateLog – what came during a quick commit still waits out its window", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const log = new UpdateLog(store, { clock, windowMs: 20 });
  store.hold();
  log.append("a", bytes(1));
  await clock.tick(20); // the first batch goes out and takes 5 ms
  log.append("b", bytes(2));
  await clock.tick(5);
  store.release();
  await settle();
  await clock.tick(0);
  assert.equal(store.batches.length, 1, "b has waited 5 ms of its 20");
  log.append("c", bytes(3));
  await clock.tick(14);
  assert.equal(store.batches.length, 1);
  await clock.tick(1);
  assert.deepEqual(store.batches.map((batch) => batch.map((entry) => entry.roomId)), [
    ["a"],
    ["b", "c"],
  ]);
});

Deno.test("UpdateLog – tells the commit's time on this thread apart from the database's", async () => {
  const clock = new FakeClock();
  let now = 0;
  const gate = Promise.withResolvers<void>();
  const stats: CommitStats[] = [];
  const log = new UpdateLog({
    appendUpdates(entries) {
      // Preparing the statement: synchronous, on this thread.
      now += 5;
      // The database's part: waiting, off this thread.
      return gate.promise.then(() => new Map([[entries[0].roomId, { firstSeq: 1, lastSeq: 1 }]]));
    },
  }, { clock, windowMs: 20, preciseNow: () => now, onCommit: (_, commit) => stats.push(commit) });
  log.append("a", bytes(1));
  await clock.tick(20);
  now += 60; // while the database works
  gate.resolve();
  await settle();
  assert.equal(stats.length, 1);
  assert.equal(stats[0].mainThreadMs, 5, "the wait for the database is not this thread's");
});

Deno.test("UpdateLog – retries a failed batch with backoff, in order, and reports health", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const health: boolean[] = [];
  const log = new UpdateLog(store, {
    clock,
    windowMs: 20,
    retryDelayMs: 100,
    onHealthChange: (healthy) => health.push(healthy),
  });
  store.failNext = 2;
  log.append("a", bytes(1));
  await clock.tick(20);
  assert.deepEqual(health, [false]);
  assert.equal(log.healthy, false);
  log.append("a", bytes(2));
  await clock.tick(100); // second attempt fails
  assert.equal(store.batches.length, 0);
  await clock.tick(199);
  assert.equal(store.batches.length, 0);
  await clock.tick(1); // third attempt after 200 ms more succeeds
  assert.deepEqual(store.batches[0].map((entry) => [...entry.update]), [[1], [2]]);
  assert.deepEqual(health, [false, true]);
});

Deno.test("UpdateLog – refuses nothing itself but tells when memory is full", () => {
  const log = new UpdateLog(new MemoryLog(), { clock: new FakeClock(), maxPendingBytes: 10 });
  assert.equal(log.hasRoomFor(10), true);
  log.append("a", new Uint8Array(8));
  assert.equal(log.hasRoomFor(2), true);
  assert.equal(log.hasRoomFor(3), false);
  log.close();
});

Deno.test("UpdateLog – drain writes everything now and rejects while the database is down", async () => {
  const clock = new FakeClock();
  const store = new MemoryLog();
  const log = new UpdateLog(store, { clock, windowMs: 50, maxBatch: 2 });
  for (let i = 0; i < 5; i++) log.append("a", bytes(i));
  await log.drain();
  assert.deepEqual(store.batches.map((batch) => batch.length), [2, 2, 1]);
  store.failNext = 1;
  log.append("a", bytes(9));
  await assert.rejects(log.drain(), /could not be written/);
  log.close();
});
