import assert from "node:assert/strict";
import { YjsPeer } from "../tests/_yjs_peer.ts";
import { initialDocumentState } from "./room_document.ts";
import { Room } from "./room.ts";
import { ProtocolError } from "./sync_protocol.ts";

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
  room.receive(peer, peer.edit((_, doc) => doc.getMap("settings").set("language", "cobol")));
  assert.equal(room.language, "rust", "an unknown value keeps the last known language");
  room.destroy();
  peer.destroy();
});
