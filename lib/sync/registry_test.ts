import * as decoding from "lib0/decoding";
import assert from "node:assert/strict";
import * as Y from "yjs";
import type {
  AppendedRange,
  LoggedUpdate,
  PendingUpdate,
  RoomSnapshot,
  RoomStore,
  StoredRoom,
} from "./store.ts";
import { FakeClock, settle } from "../../tests/_fake_clock.ts";
import { YjsPeer } from "../../tests/_yjs_peer.ts";
import type { LanguageId } from "../shared/languages.ts";
import type { RoomBus, RoomBusHandlers } from "./bus.ts";
import { initialDocumentState } from "./document.ts";
import { RoomRegistry } from "./registry.ts";
import { createDuetMetrics, type DuetMetrics } from "../ops/metrics.ts";
import { DurabilityStatus, MessageType } from "../shared/wire.ts";
import { ProtocolError } from "./protocol.ts";

interface MemoryRoom {
  state: Uint8Array;
  language: LanguageId;
  code: string;
  snapshotSeq: number;
  lastSeq: number;
  rows: LoggedUpdate[];
}

/** Storage in memory that can be made to fail or wait. */
class MemoryStore implements RoomStore {
  rooms = new Map<string, MemoryRoom>();
  batches = 0;
  compactions = 0;
  failAppends = 0;
  failLoads = false;
  #gate?: Promise<void>;
  #open?: () => void;

  add(roomId: string, code: string): void {
    this.rooms.set(roomId, {
      state: initialDocumentState(code, "go"),
      language: "go",
      code,
      snapshotSeq: 0,
      lastSeq: 0,
      rows: [],
    });
  }

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  /** The room as a fresh process would load it. */
  text(roomId: string): string {
    const room = this.rooms.get(roomId)!;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, room.state);
    for (const row of room.rows) Y.applyUpdate(doc, row.update);
    const text = doc.getText("code").toString();
    doc.destroy();
    return text;
  }

  load(roomId: string): Promise<StoredRoom | undefined> {
    if (this.failLoads) return Promise.reject(new Error("database is down"));
    const room = this.rooms.get(roomId);
    if (!room) return Promise.resolve(undefined);
    return Promise.resolve({
      state: room.state,
      language: room.language,
      snapshotSeq: room.snapshotSeq,
      updates: [...room.rows],
    });
  }

  readUpdates(roomId: string, afterSeq: number): Promise<LoggedUpdate[]> {
    return Promise.resolve(
      (this.rooms.get(roomId)?.rows ?? []).filter((row) => row.seq > afterSeq),
    );
  }

  async appendUpdates(entries: readonly PendingUpdate[]): Promise<Map<string, AppendedRange>> {
    await this.#gate;
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error("database is down");
    }
    this.batches++;
    const ranges = new Map<string, AppendedRange>();
    for (const { roomId, update } of entries) {
      const room = this.rooms.get(roomId);
      if (!room) continue;
      const seq = ++room.lastSeq;
      room.rows.push({ seq, update });
      const range = ranges.get(roomId);
      if (range) range.lastSeq = seq;
      else ranges.set(roomId, { firstSeq: seq, lastSeq: seq });
    }
    return ranges;
  }

  compact(roomId: string, snapshot: RoomSnapshot & { seq: number }): Promise<boolean> {
    const room = this.rooms.get(roomId)!;
    if (snapshot.seq < room.snapshotSeq) return Promise.resolve(false);
    this.compactions++;
    Object.assign(room, {
      state: snapshot.state,
      code: snapshot.code,
      language: snapshot.language,
      snapshotSeq: snapshot.seq,
      rows: room.rows.filter((row) => row.seq > snapshot.seq),
    });
    return Promise.resolve(true);
  }
}

class FakeBus implements RoomBus {
  handlers?: RoomBusHandlers;
  awareness: { roomId: string; message: Uint8Array }[] = [];
  publishUpdate(): void {}
  publishAwareness(roomId: string, message: Uint8Array): void {
    this.awareness.push({ roomId, message });
  }
  subscribe(handlers: RoomBusHandlers): void {
    this.handlers = handlers;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A peer that asks for save receipts, and reads them. */
class SavingPeer extends YjsPeer {
  get savedClientId(): number {
    return this.doc.clientID;
  }

  /** The durability messages received, as [status, clock]. */
  get receipts(): [number, number][] {
    return this.received.filter((message) => message[0] === MessageType.durability).map(
      (message) => {
        const decoder = decoding.createDecoder(message);
        decoding.readVarUint(decoder);
        return [decoding.readVarUint(decoder), decoding.readVarUint(decoder)];
      },
    );
  }

  get ownClock(): number {
    return Y.getState(this.doc.store, this.doc.clientID);
  }
}

function setup(
  options: { maxPendingBytes?: number; bus?: RoomBus; metrics?: DuetMetrics } = {},
) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  store.add("r1", "package main");
  const registry = new RoomRegistry(store, {
    clock,
    commitWindowMs: 20,
    compactAfterRows: 5,
    compactIdleMs: 30_000,
    ...options,
  });
  return { clock, store, registry };
}

async function joinAndSync(registry: RoomRegistry, peer: YjsPeer, roomId = "r1") {
  const room = await registry.join(roomId, peer);
  assert.ok(room);
  room.receive(peer, peer.step1());
  return room;
}

Deno.test("RoomRegistry – loads a room once for concurrent joins", async () => {
  const { registry, store } = setup();
  let loads = 0;
  const load = store.load.bind(store);
  store.load = (roomId) => (loads++, load(roomId));
  const [a, b] = await Promise.all([
    registry.join("r1", new YjsPeer()),
    registry.join("r1", new YjsPeer()),
  ]);
  assert.equal(a, b);
  assert.equal(loads, 1);
  assert.equal(a?.size, 2);
});

Deno.test("RoomRegistry – an unknown room is not created, and one that cannot load is not created empty", async () => {
  const { registry, store } = setup();
  assert.equal(await registry.join("nope", new YjsPeer()), undefined);
  store.failLoads = true;
  await assert.rejects(registry.join("r1", new YjsPeer()), /database is down/);
  assert.equal(registry.size, 0);
  assert.equal(store.rooms.get("r1")?.code, "package main");
});

Deno.test("RoomRegistry – writes each change to the log in group commits", async () => {
  const { registry, store, clock } = setup();
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  for (const key of "abc") room.receive(alice, alice.edit((text) => text.insert(text.length, key)));
  assert.equal(store.batches, 0);
  await clock.tick(20);
  assert.equal(store.batches, 1, "three updates, one transaction");
  assert.equal(store.rooms.get("r1")?.rows.length, 3);
  assert.equal(store.text("r1"), "package mainabc");
});

Deno.test("RoomRegistry – says saved only once the database has the change", async () => {
  const { registry, store, clock } = setup();
  const alice = new SavingPeer();
  const room = await joinAndSync(registry, alice);
  assert.deepEqual(alice.receipts, [[DurabilityStatus.saved, 0]], "nothing of hers to save yet");
  store.hold();
  room.receive(alice, alice.edit((text) => text.insert(0, "// saved?\n")));
  await clock.tick(100);
  assert.equal(alice.receipts.length, 1, "no receipt while the write waits");
  store.release();
  await settle();
  assert.deepEqual(alice.receipts.at(-1), [DurabilityStatus.saved, alice.ownClock]);
  assert.ok(alice.ownClock > 0);
});

Deno.test("RoomRegistry – while writes fail: not saved, retried, then saved", async () => {
  const { registry, store, clock } = setup();
  const alice = new SavingPeer();
  const room = await joinAndSync(registry, alice);
  store.failAppends = 2;
  room.receive(alice, alice.edit((text) => text.insert(0, "x")));
  await clock.tick(20);
  assert.deepEqual(alice.receipts.at(-1), [DurabilityStatus.storageUnavailable, 0]);
  assert.equal(registry.healthy, false);
  room.receive(alice, alice.edit((text) => text.insert(0, "y")));
  await clock.tick(100); // second attempt fails
  assert.equal(store.rooms.get("r1")?.rows.length, 0);
  await clock.tick(200);
  assert.equal(registry.healthy, true);
  assert.deepEqual(alice.receipts.at(-1), [DurabilityStatus.saved, alice.ownClock]);
  assert.equal(store.text("r1"), "yxpackage main");
});

Deno.test("RoomRegistry – refuses updates past the memory bound instead of holding them", async () => {
  const { registry, store, clock } = setup({ maxPendingBytes: 64 });
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  store.failAppends = 100;
  room.receive(alice, alice.edit((text) => text.insert(0, "a")));
  await clock.tick(20);
  assert.throws(
    () => room.receive(alice, alice.edit((text) => text.insert(0, "b".repeat(100)))),
    (error: unknown) => error instanceof ProtocolError && error.closeCode === 1013,
  );
  assert.equal(room.code, "apackage main", "the refused update was not applied");
  store.failAppends = 0;
  await clock.tick(10_000);
});

Deno.test("RoomRegistry – a room loads from its snapshot plus the log", async () => {
  const { registry, store, clock } = setup();
  const alice = new YjsPeer();
  let room = await joinAndSync(registry, alice);
  room.receive(alice, alice.edit((text) => text.insert(0, "1")));
  await clock.tick(20);
  // A second registry on the same storage: as after a restart.
  const other = new RoomRegistry(store, { clock });
  const bob = new YjsPeer();
  room = (await other.join("r1", bob))!;
  room.receive(bob, bob.step1());
  assert.equal(bob.text, "1package main", "the initial code is not inserted again");
});

Deno.test("RoomRegistry – the last one out: written, compacted, dropped from memory", async () => {
  const { registry, store, clock } = setup();
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  await joinAndSync(registry, bob);
  room.receive(alice, alice.edit((text) => text.insert(0, "// hi\n")));
  registry.leave("r1", alice);
  registry.leave("r1", bob);
  await settle();
  assert.equal(registry.size, 1, "kept until its update is written");
  await clock.tick(20);
  await settle();
  assert.equal(registry.size, 0);
  const stored = store.rooms.get("r1")!;
  assert.equal(stored.code, "// hi\npackage main");
  assert.equal(stored.rows.length, 0, "the log is folded into the snapshot");
  assert.equal(clock.pending, 0, "no timers left behind");
});

Deno.test("RoomRegistry – compacts after enough log rows", async () => {
  const { registry, store, clock } = setup();
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  for (let i = 0; i < 5; i++) {
    room.receive(alice, alice.edit((text) => text.insert(0, String(i))));
    await clock.tick(20);
  }
  await settle();
  assert.equal(store.compactions, 1);
  assert.equal(store.rooms.get("r1")?.snapshotSeq, 5);
  assert.equal(store.rooms.get("r1")?.code, "43210package main");
});

Deno.test("RoomRegistry – other processes' rows arrive through the bus and the log", async () => {
  const bus = new FakeBus();
  const { registry, store, clock } = setup({ bus });
  const alice = new YjsPeer();
  await joinAndSync(registry, alice);
  // Another process appends a row and notifies.
  const remote = new Y.Doc();
  Y.applyUpdate(remote, store.rooms.get("r1")!.state);
  remote.getText("code").insert(0, "remote ");
  await store.appendUpdates([{ roomId: "r1", update: Y.encodeStateAsUpdate(remote) }]);
  bus.handlers!.update("r1", 1);
  await settle();
  assert.equal(alice.text, "remote package main", "the local participant got it");
  // Missed notifications are read back after a reconnect.
  const more = new Y.Doc();
  Y.applyUpdate(more, Y.encodeStateAsUpdate(remote));
  more.getText("code").insert(more.getText("code").length, " // more");
  await store.appendUpdates([{ roomId: "r1", update: Y.encodeStateAsUpdate(more) }]);
  bus.handlers!.reconnected();
  await settle();
  assert.equal(alice.text, "remote package main // more");
  // Remote changes are not logged again.
  await clock.tick(100);
  assert.equal(store.rooms.get("r1")?.rows.length, 2);
});

Deno.test("RoomRegistry – shares presence through the bus", async () => {
  const bus = new FakeBus();
  const { registry } = setup({ bus });
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  room.receive(alice, alice.presence({ user: { name: "Alice", color: "#123456" } }));
  assert.equal(bus.awareness.length, 1);
  const bob = new YjsPeer();
  bus.handlers!.awareness("r1", bob.presence({ user: { name: "Bob", color: "#654321" } }));
  assert.equal(
    (alice.awareness.getStates().get(bob.doc.clientID) as { user: { name: string } }).user.name,
    "Bob",
  );
  assert.equal(bus.awareness.length, 1, "remote presence is not sent back out");
});

Deno.test("RoomRegistry – close writes everything", async () => {
  const { registry, store } = setup();
  store.add("r2", "");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const roomA = await joinAndSync(registry, alice);
  const roomB = await joinAndSync(registry, bob, "r2");
  roomA.receive(alice, alice.edit((text) => text.insert(0, "a")));
  roomB.receive(bob, bob.edit((text) => text.insert(0, "b")));
  await registry.close();
  assert.equal(store.text("r1"), "apackage main");
  assert.equal(store.text("r2"), "b");
  await assert.rejects(registry.join("r1", new YjsPeer()), /closed/);
});

Deno.test("RoomRegistry – compacts a room once it has been quiet for a while", async () => {
  const { registry, store, clock } = setup();
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  room.receive(alice, alice.edit((text) => text.insert(0, "a")));
  await clock.tick(20_000);
  room.receive(alice, alice.edit((text) => text.insert(0, "b")));
  await clock.tick(29_000);
  assert.equal(store.compactions, 0, "still typing 29 s ago");
  await clock.tick(1_000);
  assert.equal(store.compactions, 1);
  assert.equal(store.rooms.get("r1")?.code, "bapackage main");
  registry.leave("r1", alice);
  await clock.tick(100);
});

Deno.test("RoomRegistry – counts each committed batch and the bus's lag in its metrics", async () => {
  const metrics = createDuetMetrics();
  const bus = new FakeBus();
  const { registry, clock } = setup({ metrics, bus });
  const alice = new YjsPeer();
  const room = await joinAndSync(registry, alice);
  for (const key of "ab") room.receive(alice, alice.edit((text) => text.insert(text.length, key)));
  await clock.tick(20);
  bus.handlers!.update("r1", 0, Date.now() - 1_000);
  const text = metrics.registry.render();
  assert.match(text, /^duet_commit_batch_updates_count 1$/m);
  assert.match(text, /^duet_commit_batch_updates_sum 2$/m);
  assert.match(text, /^duet_commit_seconds_count 1$/m);
  assert.match(text, /^duet_commit_main_thread_seconds_count 1$/m);
  assert.match(text, /^duet_bus_lag_seconds_count 1$/m);
});
