import assert from "node:assert/strict";
import type { DeleteExpiredOptions } from "./store.ts";
import { FakeClock } from "../../tests/_fake_clock.ts";
import { RoomSweeper } from "./room_sweeper.ts";

/** Expired rooms waiting to be swept; `busy` plays another process holding the lock. */
class FakeStore {
  calls: DeleteExpiredOptions[] = [];
  busy = false;
  constructor(public expired: string[]) {}
  deleteExpired(options: DeleteExpiredOptions): Promise<string[] | undefined> {
    this.calls.push(options);
    if (this.busy) return Promise.resolve(undefined);
    const batch = this.expired.filter((id) => !options.keep?.includes(id))
      .slice(0, options.batchSize);
    this.expired = this.expired.filter((id) => !batch.includes(id));
    return Promise.resolve(batch);
  }
}

function openRooms(ids: string[]) {
  const changed: string[] = [];
  return {
    changed,
    roomIds: ids,
    roomChanged(roomId: string) {
      changed.push(roomId);
      return Promise.resolve();
    },
  };
}

Deno.test("RoomSweeper – deletes in batches until none is left, skipping open rooms, and tells", async () => {
  const store = new FakeStore(["a", "b", "c", "d", "e", "open"]);
  const rooms = openRooms(["open"]);
  const clock = new FakeClock();
  const sweeper = new RoomSweeper(store, rooms, { defaultDays: 30, batchSize: 2, clock });
  assert.equal(await sweeper.sweep(), 5);
  assert.deepEqual(store.calls.map((call) => call.batchSize), [2, 2, 2], "three batches of two");
  assert.deepEqual(store.calls[0].keep, ["open"]);
  assert.equal(store.calls[0].defaultDays, 30);
  assert.equal(store.calls[0].now.getTime(), clock.now());
  assert.deepEqual(rooms.changed, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(store.expired, ["open"]);
  await sweeper.close();
});

Deno.test("RoomSweeper – stops when another process holds the lock, and at maxBatches", async () => {
  const store = new FakeStore(["a", "b", "c"]);
  store.busy = true;
  const sweeper = new RoomSweeper(store, openRooms([]), {
    defaultDays: 30,
    batchSize: 1,
    maxBatches: 2,
    clock: new FakeClock(),
  });
  assert.equal(await sweeper.sweep(), 0);
  assert.equal(store.calls.length, 1);
  store.busy = false;
  assert.equal(await sweeper.sweep(), 2, "two batches of one, the rest next time");
  assert.deepEqual(store.expired, ["c"]);
  await sweeper.close();
});

Deno.test("RoomSweeper – sweeps on its timer: a minute after start, then every interval", async () => {
  const store = new FakeStore(["a"]);
  const clock = new FakeClock();
  const sweeper = new RoomSweeper(store, openRooms([]), {
    defaultDays: 30,
    intervalMs: 3_600_000,
    clock,
  });
  sweeper.start();
  await clock.tick(59_000);
  assert.equal(store.calls.length, 0);
  await clock.tick(1_000);
  assert.equal(store.calls.length, 1);
  await clock.tick(3_600_000);
  assert.equal(store.calls.length, 2);
  await sweeper.close();
  await clock.tick(3_600_000);
  assert.equal(store.calls.length, 2, "closed: no more sweeps");
});
