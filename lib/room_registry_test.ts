import assert from "node:assert/strict";
import { FakeClock, settle } from "../tests/_fake_clock.ts";
import { YjsPeer } from "../tests/_yjs_peer.ts";
import type { LanguageId } from "./languages.ts";
import { initialDocumentState } from "./room_document.ts";
import { RoomRegistry, type RoomStore } from "./room_registry.ts";

interface Saved {
  roomId: string;
  code: string;
  at: number;
}

/** A store in memory that records every save and can be made to fail or wait. */
class MemoryStore implements RoomStore {
  rooms = new Map<string, { state: Uint8Array; language: LanguageId }>();
  saves: Saved[] = [];
  loads = 0;
  failNext = 0;
  inFlight = 0;
  maxInFlight = 0;
  #gate?: Promise<void>;
  #open?: () => void;
  clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  add(roomId: string, code: string): void {
    this.rooms.set(roomId, { state: initialDocumentState(code, "go"), language: "go" });
  }

  /** Makes saves wait until {@linkcode release}. */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  loadSnapshot(roomId: string) {
    this.loads++;
    return Promise.resolve(this.rooms.get(roomId));
  }

  async saveSnapshot(
    roomId: string,
    snapshot: { state: Uint8Array; code: string; language: LanguageId },
  ): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.#gate;
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error("database is down");
      }
      this.rooms.set(roomId, { state: snapshot.state, language: snapshot.language });
      this.saves.push({ roomId, code: snapshot.code, at: this.clock.now() });
    } finally {
      this.inFlight--;
    }
  }
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  store.add("r1", "package main");
  const registry = new RoomRegistry(store, {
    clock,
    flushDelayMs: 1_000,
    maxFlushDelayMs: 10_000,
    retryDelayMs: 1_000,
  });
  return { clock, store, registry };
}

async function joinAndSync(registry: RoomRegistry, peer: YjsPeer) {
  const room = await registry.join("r1", peer);
  assert.ok(room);
  room.receive(peer, peer.step1());
  return room;
}

Deno.test("RoomRegistry – loads a room once for concurrent joins", async () => {
  const { registry, store } = setup();
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const [a, b] = await Promise.all([registry.join("r1", alice), registry.join("r1", bob)]);
  assert.equal(a, b);
  assert.equal(store.loads, 1);
  assert.equal(a?.size, 2);
  assert.equal(registry.size, 1);
  registry.leave("r1", alice);
  registry.leave("r1", bob);
  await settle();
  assert.equal(registry.size, 0);
});

Deno.test("RoomRegistry – an unknown room is not created", async () => {
  const { registry, store } = setup();
  assert.equal(await registry.join("nope", new YjsPeer()), undefined);
  assert.equal(registry.size, 0);
  assert.equal(store.rooms.has("nope"), false);
});

Deno.test("RoomRegistry – flushes once after typing pauses", async () => {
  const { registry, store, clock } = setup();
  const peer = new YjsPeer();
  const room = await joinAndSync(registry, peer);
  for (const key of "abc") {
    room.receive(peer, peer.edit((text) => text.insert(text.length, key)));
    await clock.tick(400);
  }
  assert.equal(store.saves.length, 0, "not while typing");
  await clock.tick(599);
  assert.equal(store.saves.length, 0);
  await clock.tick(1);
  assert.deepEqual(store.saves, [{ roomId: "r1", code: "package mainabc", at: 1_800 }]);
  await clock.tick(60_000);
  assert.equal(store.saves.length, 1, "nothing more to save");
  registry.leave("r1", peer);
});

Deno.test("RoomRegistry – flushes within the maximum delay under continuous typing", async () => {
  const { registry, store, clock } = setup();
  const peer = new YjsPeer();
  const room = await joinAndSync(registry, peer);
  for (let i = 0; i < 50; i++) {
    room.receive(peer, peer.edit((text) => text.insert(text.length, "x")));
    await clock.tick(500);
  }
  // Typing from 0 to 25 s: saves at 10 s and 20 s, each covering what came before.
  assert.deepEqual(store.saves.map((save) => save.at), [10_000, 20_000]);
  await clock.tick(1_000);
  assert.equal(store.saves.length, 3);
  assert.equal(store.saves[2].code, "package main" + "x".repeat(50));
  registry.leave("r1", peer);
});

Deno.test("RoomRegistry – the last one out flushes and the room leaves memory", async () => {
  const { registry, store } = setup();
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  await joinAndSync(registry, bob);
  room.receive(alice, alice.edit((text) => text.insert(0, "// hi\n")));
  registry.leave("r1", alice);
  await settle();
  assert.equal(store.saves.length, 0, "bob is still there");
  assert.equal(registry.size, 1);
  registry.leave("r1", bob);
  await settle();
  assert.equal(store.saves.length, 1);
  assert.equal(store.saves[0].code, "// hi\npackage main");
  assert.equal(registry.size, 0);
  assert.equal(registry.get("r1"), undefined);

  // Coming back loads what was saved.
  const carol = new YjsPeer();
  await joinAndSync(registry, carol);
  assert.equal(carol.text, "// hi\npackage main");
  registry.leave("r1", carol);
});

Deno.test("RoomRegistry – an untouched room is dropped without a save", async () => {
  const { registry, store, clock } = setup();
  const peer = new YjsPeer();
  await joinAndSync(registry, peer);
  registry.leave("r1", peer);
  await settle();
  assert.equal(store.saves.length, 0);
  assert.equal(registry.size, 0);
  assert.equal(clock.pending, 0, "no timers left behind");
});

Deno.test("RoomRegistry – keeps one save in flight and saves later changes after it", async () => {
  const { registry, store, clock } = setup();
  const peer = new YjsPeer();
  const room = await joinAndSync(registry, peer);
  store.hold();
  room.receive(peer, peer.edit((text) => text.insert(0, "1")));
  await clock.tick(1_000); // first save starts and waits
  room.receive(peer, peer.edit((text) => text.insert(0, "2")));
  await clock.tick(5_000);
  const flushAll = registry.flushAll();
  await settle();
  assert.equal(store.maxInFlight, 1);
  store.release();
  await flushAll;
  assert.equal(store.maxInFlight, 1);
  assert.equal(store.saves.at(-1)?.code, "21package main");
  registry.leave("r1", peer);
});

Deno.test("RoomRegistry – retries a failed flush with backoff and keeps the room until saved", async () => {
  const { registry, store, clock } = setup();
  const peer = new YjsPeer();
  const room = await joinAndSync(registry, peer);
  room.receive(peer, peer.edit((text) => text.insert(0, "keep")));
  store.failNext = 3;
  registry.leave("r1", peer);
  await settle();
  assert.equal(store.saves.length, 0);
  assert.equal(registry.size, 1, "unsaved work stays in memory");
  await clock.tick(999);
  assert.equal(store.failNext, 2, "first retry after 1 s");
  await clock.tick(1);
  assert.equal(store.failNext, 1);
  await clock.tick(2_000);
  assert.equal(store.failNext, 0, "second retry after 2 s more");
  assert.equal(store.saves.length, 0);
  await clock.tick(4_000);
  assert.equal(store.saves.length, 1, "third retry after 4 s more succeeds");
  assert.equal(store.saves[0].code, "keeppackage main");
  assert.equal(registry.size, 0);
});

Deno.test("RoomRegistry – close writes every room with changes", async () => {
  const { registry, store } = setup();
  store.add("r2", "");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const roomA = await joinAndSync(registry, alice);
  const roomB = await registry.join("r2", bob);
  assert.ok(roomB);
  roomB.receive(bob, bob.step1());
  roomA.receive(alice, alice.edit((text) => text.insert(0, "a")));
  roomB.receive(bob, bob.edit((text) => text.insert(0, "b")));
  await registry.close();
  assert.deepEqual(store.saves.map((save) => save.roomId).sort(), ["r1", "r2"]);
  await assert.rejects(registry.join("r1", new YjsPeer()), /closed/);
  registry.leave("r1", alice);
  registry.leave("r2", bob);
});
