import assert from "node:assert/strict";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { YjsPeer } from "../../tests/_yjs_peer.ts";
import { initialDocumentState } from "./document.ts";
import { changesNothing, Room } from "./room.ts";
import { ProtocolError } from "./protocol.ts";
import { AccessFlag, CloseCode, MessageType } from "../shared/wire.ts";

function roomWith(code: string): Room {
  return new Room("room", {
    state: initialDocumentState(code, "python"),
    language: "python",
  });
}

Deno.test("Room – a joining peer receives step 1 and syncs on its own step 1", () => {
  const room = roomWith("print('hi')");
  const peer = new YjsPeer();
  room.join(peer);
  assert.equal(peer.received.length, 1, "only sync step 1 when nobody is present");
  room.receive(peer, peer.step1());
  assert.equal(peer.text, "print('hi')");
  assert.equal(room.language, "python");
  room.leave(peer);
  room.destroy();
  peer.destroy();
});

Deno.test("Room – answers the peer's step 2 by applying it", () => {
  const room = roomWith("");
  const peer = new YjsPeer();
  peer.doc.getText("code").insert(0, "offline work");
  room.join(peer);
  // The server's step 1 made the peer reply with its step 2.
  assert.equal(peer.replies.length, 1);
  assert.equal(room.code, "");
  room.receive(peer, peer.replies[0]);
  assert.equal(room.code, "offline work");
  room.destroy();
  peer.destroy();
});

Deno.test("Room – relays an update to the others and not back to its sender", () => {
  const room = roomWith("");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  room.join(alice);
  room.join(bob);
  room.receive(alice, alice.step1());
  room.receive(bob, bob.step1());
  const aliceSeen = alice.received.length;
  room.receive(alice, alice.edit((text) => text.insert(0, "x = 1")));
  assert.equal(room.code, "x = 1");
  assert.equal(bob.text, "x = 1");
  assert.equal(alice.received.length, aliceSeen);
  room.destroy();
  alice.destroy();
  bob.destroy();
});

Deno.test("Room – concurrent edits at one place converge without losing either", () => {
  const room = roomWith("ab");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  for (const peer of [alice, bob]) {
    room.join(peer);
    room.receive(peer, peer.step1());
  }
  // Both edit before seeing the other's change.
  const fromAlice = alice.edit((text) => text.insert(1, "ALICE"));
  const fromBob = bob.edit((text) => text.insert(1, "BOB"));
  room.receive(alice, fromAlice);
  room.receive(bob, fromBob);
  assert.equal(alice.text, bob.text);
  assert.equal(alice.text, room.code);
  assert.match(room.code, /^a(ALICEBOB|BOBALICE)b$/);
  room.destroy();
  alice.destroy();
  bob.destroy();
});

Deno.test("Room – presence reaches the others, late joiners and goes on leave", () => {
  const room = roomWith("");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  room.join(alice);
  room.join(bob);
  room.receive(alice, alice.presence({ user: { name: "Alice", color: "#aa3355" } }));
  assert.deepEqual(bob.awareness.getStates().get(alice.doc.clientID), {
    user: { name: "Alice", color: "#aa3355" },
  });

  const carol = new YjsPeer();
  room.join(carol);
  assert.equal(
    (carol.awareness.getStates().get(alice.doc.clientID) as { user: { name: string } })
      .user.name,
    "Alice",
  );

  room.leave(alice);
  assert.equal(bob.awareness.getStates().has(alice.doc.clientID), false);
  assert.equal(carol.awareness.getStates().has(alice.doc.clientID), false);
  assert.equal(room.size, 2);
  room.destroy();
  for (const peer of [alice, bob, carol]) peer.destroy();
});

Deno.test("Room – malformed messages throw ProtocolError and change nothing", () => {
  const room = roomWith("keep me");
  const peer = new YjsPeer();
  room.join(peer);
  const bad = [
    new Uint8Array([]),
    new Uint8Array([9]),
    new Uint8Array([0, 7]),
    new Uint8Array([0, 2, 200]),
    new Uint8Array([0, 2, 3, 1, 2, 3]),
    new Uint8Array([1, 5, 1]),
    Uint8Array.of(...peer.step1(), 0),
  ];
  for (const message of bad) {
    assert.throws(() => room.receive(peer, message), ProtocolError, String(message));
  }
  assert.equal(room.code, "keep me");
  room.destroy();
  peer.destroy();
});

Deno.test("Room – keeps the last known language when the document holds an unknown one", () => {
  const room = roomWith("");
  const peer = new YjsPeer();
  room.join(peer);
  room.receive(peer, peer.step1());
  room.receive(peer, peer.edit((_, doc) => doc.getMap("settings").set("language", "rust")));
  assert.equal(room.language, "rust");
  // A participant cannot set one (see update_guard_test.ts); an older stored
  // document or another process might hold one.
  const other = new Y.Doc();
  Y.applyUpdate(other, room.encodeState());
  other.getMap("settings").set("language", "cobol");
  room.applyRemoteUpdate(Y.encodeStateAsUpdate(other, Y.encodeStateVector(room.doc)));
  assert.equal(room.doc.getMap("settings").get("language"), "cobol");
  assert.equal(room.language, "rust", "an unknown value keeps the last known language");
  other.destroy();
  room.destroy();
  peer.destroy();
});

Deno.test("Room – refuses an update that would take the code over the size limit (4413)", () => {
  const room = roomWith("x".repeat(90));
  const peer = new YjsPeer();
  const other = new YjsPeer();
  for (const p of [peer, other]) {
    room.join(p);
    room.receive(p, p.step1());
  }
  const seen = other.received.length;
  const grow = peer.edit((text) => text.insert(0, "y".repeat(20)));
  assert.throws(
    () => room.receive(peer, grow, { maxDocumentBytes: 100 }),
    (error: unknown) =>
      error instanceof ProtocolError && error.closeCode === 4413 &&
      error.reason === "document_too_large" && /size limit \(100 bytes\)/.test(error.message),
  );
  assert.equal(room.code, "x".repeat(90), "nothing applied");
  assert.equal(other.received.length, seen, "nothing relayed");
  const fresh = new YjsPeer();
  room.join(fresh);
  room.receive(fresh, fresh.step1());
  room.receive(fresh, fresh.edit((text) => text.delete(0, 50)), { maxDocumentBytes: 100 });
  room.receive(fresh, fresh.edit((text) => text.insert(0, "z".repeat(20))), {
    maxDocumentBytes: 100,
  });
  assert.equal(room.code.length, 60, "deleting makes room again");
  room.destroy();
  for (const p of [peer, other, fresh]) p.destroy();
});

Deno.test("Room – refuses updates to shared types the room does not have", () => {
  const room = roomWith("keep");
  const peer = new YjsPeer();
  room.join(peer);
  const junk = peer.edit((_, doc) => doc.getArray("junk").insert(0, [1, 2, 3]));
  assert.throws(() => room.receive(peer, junk), ProtocolError);
  assert.equal(room.doc.share.has("junk"), false);
  room.destroy();
  peer.destroy();
});

Deno.test("Room – a participant's first presence id is its identity; echoes of others end at the server", () => {
  const room = roomWith("");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  const carol = new YjsPeer();
  for (const p of [alice, bob, carol]) room.join(p);
  room.receive(alice, alice.presence({ user: { name: "Alice", color: "#aa3355" } }));
  room.receive(bob, bob.presence({ user: { name: "Bob", color: "#3355aa" } }));
  // Bob's provider re-sends Alice's state as it heard it.
  bob.awareness.setLocalStateField("user", { name: "Bob", color: "#3355aa" });
  const seenByCarol = carol.received.length;
  const echo = awarenessMessage(bob, [alice.doc.clientID]);
  room.receive(bob, echo);
  assert.equal(carol.received.length, seenByCarol, "an echo is not relayed");

  // Bob cannot speak for Alice, nor take a second identity.
  const forged = awarenessMessageFor(alice.doc.clientID, 99, {
    user: { name: "Mallory", color: "#000000" },
  });
  room.receive(bob, forged);
  const second = awarenessMessageFor(424242, 1, { user: { name: "Bob 2", color: "#000000" } });
  room.receive(bob, second);
  assert.equal(
    (room.awareness.getStates().get(alice.doc.clientID) as { user: { name: string } }).user.name,
    "Alice",
  );
  assert.equal(room.awareness.getStates().has(424242), false);

  // A removal of one's own presence goes through.
  room.receive(alice, alice.presence(null));
  assert.equal(carol.awareness.getStates().has(alice.doc.clientID), false);
  room.destroy();
  for (const p of [alice, bob, carol]) p.destroy();
});

Deno.test("Room – relays presence validated and stripped, and drops a bad colour with its user", () => {
  const room = roomWith("");
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  room.join(alice);
  room.join(bob);
  room.receive(
    alice,
    alice.presence({ user: { name: "<b>Alice</b>", color: "#aa3355", extra: "x" }, tracking: 1 }),
  );
  assert.deepEqual(bob.awareness.getStates().get(alice.doc.clientID), {
    user: { name: "<b>Alice</b>", color: "#aa3355" },
  });
  const report = room.receive(
    alice,
    alice.presence({ user: { name: "Alice", color: "red;background:url(//x)" }, cursor: 3 }),
  );
  assert.deepEqual(report.droppedPresence.map(({ field }) => field), ["user", "cursor"]);
  assert.deepEqual(bob.awareness.getStates().get(alice.doc.clientID), {});
  room.destroy();
  alice.destroy();
  bob.destroy();
});

Deno.test("Room – relays a presence message validation kept whole as the same bytes", () => {
  const room = roomWith("");
  const sent: Uint8Array[] = [];
  const alice = new YjsPeer();
  const bob = { send: (message: Uint8Array) => sent.push(message) };
  room.join(alice);
  room.join(bob);
  sent.length = 0;
  const message = alice.presence({ user: { name: "Alice", color: "#aa3355" } });
  room.receive(alice, message);
  assert.equal(sent.length, 1);
  assert.equal(sent[0], message, "no copy, no re-encoding");
  assert.deepEqual(room.awareness.getStates().get(alice.doc.clientID), {
    user: { name: "Alice", color: "#aa3355" },
  });
  room.destroy();
  alice.destroy();
});

function awarenessMessage(peer: YjsPeer, clients: number[]): Uint8Array {
  return Uint8Array.of(
    1,
    ...varUint8Array(awarenessProtocol.encodeAwarenessUpdate(peer.awareness, clients)),
  );
}

function awarenessMessageFor(clientId: number, clock: number, state: unknown): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.meta.set(clientId, { clock: clock - 1, lastUpdated: 0 });
  awareness.setLocalState(state as Record<string, unknown>);
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]);
  awareness.destroy();
  doc.destroy();
  return Uint8Array.of(1, ...varUint8Array(update));
}

function varUint8Array(bytes: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = bytes.length;
  while (n > 127) {
    length.push((n & 127) | 128);
    n >>>= 7;
  }
  length.push(n);
  return Uint8Array.of(...length, ...bytes);
}

Deno.test("Room – hands accepted updates and presence to its hooks, and asks before applying", () => {
  const calls: string[] = [];
  let admit = true;
  const room = new Room("room", {
    state: initialDocumentState("", "python"),
    language: "python",
    hooks: {
      admitUpdate: (bytes) => {
        calls.push(`admit ${bytes > 0}`);
        return admit;
      },
      onUpdate: (update) => calls.push(`update ${update.byteLength > 0}`),
      onPresence: (message) => calls.push(`presence ${message.byteLength > 0}`),
      onChange: () => calls.push("change"),
    },
  });
  const alice = new YjsPeer();
  room.join(alice);
  room.receive(alice, alice.step1());
  room.receive(alice, alice.edit((text) => text.insert(0, "x = 1")));
  assert.deepEqual(calls, ["admit true", "update true", "change"]);

  calls.length = 0;
  room.receive(alice, alice.presence({ user: { name: "Alice", color: "#2563eb" } }));
  assert.deepEqual(calls, ["presence true"]);

  calls.length = 0;
  admit = false;
  assert.throws(
    () => room.receive(alice, alice.edit((text) => text.insert(0, "# "))),
    (error: unknown) => error instanceof ProtocolError && error.closeCode === 1013,
  );
  assert.deepEqual(calls, ["admit true"], "refused before Yjs applied it");
  assert.equal(room.code, "x = 1");

  calls.length = 0;
  const elsewhere = new Y.Doc();
  elsewhere.getText("code").insert(0, "y");
  room.applyRemoteUpdate(Y.encodeStateAsUpdate(elsewhere));
  assert.deepEqual(calls, ["change"], "another process's update is in the log already");
  room.leave(alice);
  assert.deepEqual(calls, ["change", "presence true"], "leaving shares the removal");
  room.destroy();
  alice.destroy();
  elsewhere.destroy();
});

/** A peer as the hub makes it: with a link, an access and a way to be closed. */
class LinkedPeer extends YjsPeer {
  closedWith: ProtocolError[] = [];
  constructor(
    readonly linkId: string,
    readonly access: "edit" | "view" = "edit",
    readonly owner = false,
    readonly wantsAccess = true,
  ) {
    super();
  }
  close(error: ProtocolError): void {
    this.closedWith.push(error);
  }
  /** The flags of the access messages received. */
  get accessFlags(): number[] {
    return this.received.filter((message) => message[0] === MessageType.access).map((m) => m[1]);
  }
}

function linkedRoom(code: string, locked = false): Room {
  return new Room("room", {
    state: initialDocumentState(code, "python"),
    language: "python",
    links: { editId: "edit1", viewId: "view1", locked },
  });
}

/** Joins and syncs both ways, answering the server's step 1 with the peer's step 2. */
function joinSynced(room: Room, peer: YjsPeer): void {
  room.join(peer);
  room.receive(peer, peer.step1());
  for (const reply of peer.replies.splice(0)) room.receive(peer, reply);
}

Deno.test("changesNothing – known structs and deletes are nothing; anything new is something", () => {
  const doc = new Y.Doc();
  const text = doc.getText("code");
  text.insert(0, "hello world");
  text.delete(0, 6);
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  assert.equal(changesNothing(doc, Y.encodeStateAsUpdate(copy)), true, "the whole state again");
  assert.equal(changesNothing(doc, Y.encodeStateAsUpdate(copy, Y.encodeStateVector(doc))), true);
  // A new insert.
  const insert = new Y.Doc();
  Y.applyUpdate(insert, Y.encodeStateAsUpdate(doc));
  let captured: Uint8Array | undefined;
  insert.on("update", (update: Uint8Array) => captured = update);
  insert.getText("code").insert(0, "!");
  assert.equal(changesNothing(doc, captured!), false, "a new character");
  // A delete of text still there (its delete set names known, live items).
  insert.getText("code").delete(1, 2);
  assert.equal(changesNothing(doc, captured!), false, "a delete of live text");
  // A delete already applied, sent again.
  const again = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc));
  assert.equal(changesNothing(doc, again), true, "only the delete set, all of it known");
  const empty = new Y.Doc();
  assert.equal(changesNothing(empty, again), false, "deletes of items the room lacks");
  for (const d of [doc, copy, insert, empty]) d.destroy();
});

Deno.test("Room – a view-only participant syncs, but every change it sends is refused (4403)", () => {
  const room = linkedRoom("print(1)");
  const viewer = new LinkedPeer("view1", "view");
  joinSynced(room, viewer);
  assert.equal(viewer.text, "print(1)");
  assert.deepEqual(viewer.accessFlags, [AccessFlag.viewOnly]);
  assert.throws(
    () => room.receive(viewer, viewer.edit((text) => text.insert(0, "x"))),
    (error: unknown) => error instanceof ProtocolError && error.closeCode === CloseCode.readOnly,
  );
  // A "step 2" that carries a change is refused the same way (from a fresh
  // viewer: the first's own document now holds the refused "x").
  const second = new LinkedPeer("view1", "view");
  joinSynced(room, second);
  const forged = second.edit((text) => text.insert(0, "y"));
  forged[1] = 1;
  assert.throws(() => room.receive(second, forged), /read-only/);
  second.destroy();
  assert.equal(room.code, "print(1)");
  room.destroy();
  viewer.destroy();
});

Deno.test("Room – locked: only the owner edits; unlocking lets the others again, and they are told", () => {
  const room = linkedRoom("", true);
  const owner = new LinkedPeer("edit1", "edit", true);
  const guest = new LinkedPeer("edit1", "edit", false);
  joinSynced(room, owner);
  joinSynced(room, guest);
  assert.deepEqual(owner.accessFlags, [AccessFlag.mayEdit | AccessFlag.locked]);
  assert.deepEqual(guest.accessFlags, [AccessFlag.locked]);
  room.receive(owner, owner.edit((text) => text.insert(0, "owner")));
  assert.equal(room.code, "owner");
  assert.throws(
    () => room.receive(guest, guest.edit((text) => text.insert(0, "guest"))),
    (error: unknown) => error instanceof ProtocolError && error.closeCode === CloseCode.readOnly,
  );
  assert.equal(room.code, "owner");
  room.setAccess({ editId: "edit1", viewId: "view1", locked: false });
  assert.equal(guest.accessFlags.at(-1), AccessFlag.mayEdit);
  const late = new LinkedPeer("edit1");
  joinSynced(room, late);
  room.receive(late, late.edit((text) => text.insert(0, "late ")));
  assert.equal(room.code, "late owner");
  room.destroy();
  for (const peer of [owner, guest, late]) peer.destroy();
});

Deno.test("Room – a rotated link closes its participants (4401), a deleted room everyone (4410)", () => {
  const room = linkedRoom("");
  const editor = new LinkedPeer("edit1");
  const viewer = new LinkedPeer("view1", "view");
  joinSynced(room, editor);
  joinSynced(room, viewer);
  room.setAccess({ editId: "edit2", viewId: "view1", locked: false });
  assert.deepEqual(editor.closedWith.map((error) => error.closeCode), [CloseCode.linkRevoked]);
  assert.equal(viewer.closedWith.length, 0);
  // Whoever resolved the old link just before cannot join after.
  assert.throws(() => room.join(new LinkedPeer("edit1")), /changed this room's link/);
  room.join(new LinkedPeer("edit2"));
  room.setAccess(undefined);
  assert.deepEqual(viewer.closedWith.map((error) => error.closeCode), [CloseCode.roomDeleted]);
  assert.throws(() => room.join(new LinkedPeer("edit2")), /deleted/);
  room.destroy();
  editor.destroy();
  viewer.destroy();
});
