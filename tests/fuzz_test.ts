/**
 * Hostile input for the live-sync handler: random bytes, mutations of real
 * sync and presence frames, wrong lengths, unknown types, trailing garbage
 * and hand-made attacks on Yjs. Most frames go straight to `Room.receive`
 * (fast); a few hundred go over real sockets to a running server.
 *
 * Set `DUET_TEST_SEED` to replay a run (the seed is printed on failure) and
 * `DUET_FUZZ_FRAMES` to throw more frames in process.
 */
import assert from "node:assert/strict";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { type Participant, Room } from "../lib/sync/room.ts";
import { initialDocumentState } from "../lib/sync/document.ts";
import { LANGUAGE_IDS } from "../lib/shared/languages.ts";
import { encodeSyncStep1, encodeUpdate, ProtocolError } from "../lib/sync/protocol.ts";
import { seededRandom, testSeed } from "../testing/random.ts";
import { DEFAULT_LIMITS } from "../lib/ops/limits.ts";
import { createRoom } from "../testing/rooms.ts";
import { startTestServer } from "./_server.ts";
import { type Client, connect } from "./_socket_client.ts";
import { waitFor } from "./_wait.ts";
import { YjsPeer } from "./_yjs_peer.ts";
import { encode, itemUpdate } from "./_yjs_bytes.ts";

/** `DUET_FUZZ_FRAMES` runs longer (or shorter) in process. */
const IN_PROCESS_FRAMES = Number(Deno.env.get("DUET_FUZZ_FRAMES") ?? 12_000);
const SOCKET_FRAMES = 400;
const INITIAL_CODE = "function add(a, b) {\n  return a + b;\n}\n";

/** Frames a well-behaved client could send; none touches the code. */
function validFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  // Another client's changes to the settings map (the language, the only key
  // Duet has): edits the code never sees.
  const doc = new Y.Doc();
  const settings = doc.getMap("settings");
  doc.on("update", (update: Uint8Array) => frames.push(encodeUpdate(update)));
  for (let i = 0; i < 12; i++) {
    settings.set("language", LANGUAGE_IDS[i % LANGUAGE_IDS.length]);
    if (i % 4 === 3) settings.delete("language");
  }
  const step2 = encoding.createEncoder();
  encoding.writeVarUint(step2, 0);
  encoding.writeVarUint(step2, 1);
  encoding.writeVarUint8Array(step2, Y.encodeStateAsUpdate(doc));
  frames.push(encoding.toUint8Array(step2));
  frames.push(encodeSyncStep1(doc), encodeSyncStep1(new Y.Doc()));
  // Presence, as the editor sends it: name, colours and a cursor; and leaving.
  const awareness = new awarenessProtocol.Awareness(doc);
  const anchor = Y.createRelativePositionFromTypeIndex(doc.getText("code"), 0);
  for (
    const state of [
      { user: { name: "Brave Badger", color: "#2f74d0", colorLight: "#2f74d033" } },
      {
        user: { name: "Brave Badger", color: "#2f74d0", colorLight: "#2f74d033" },
        cursor: { anchor, head: anchor },
      },
      null,
    ]
  ) {
    awareness.setLocalState(state);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]),
    );
    frames.push(encoding.toUint8Array(encoder));
  }
  frames.push(Uint8Array.of(3), Uint8Array.of(1, 1, 0));
  awareness.destroy();
  doc.destroy();
  return frames;
}

/** A sync message carrying `update` as a Yjs update. */
function updateFrame(update: Uint8Array): Uint8Array {
  return encode((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
  });
}

/** Hand-made attacks on the decoders. */
function hostileFrames(): Uint8Array[] {
  const structs = (count: number) =>
    encode((e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, count);
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint(e, 0);
    });
  const item = (info: number, content: (e: encoding.Encoder) => void, root = "code") =>
    itemUpdate(info, content, { client: 4242, root });
  const subdoc = new Y.Doc();
  subdoc.getMap("settings").set("sub", new Y.Doc());
  const awarenessMany = encode((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(
      e,
      encode((inner) => {
        encoding.writeVarUint(inner, 2_000);
        for (let i = 0; i < 2_000; i++) {
          encoding.writeVarUint(inner, 10_000 + i);
          encoding.writeVarUint(inner, 1);
          encoding.writeVarString(inner, '{"user":{"name":"x","color":"#000000"}}');
        }
      }),
    );
  });
  return [
    updateFrame(structs(30_000_000)),
    updateFrame(structs(2 ** 32 - 1)),
    updateFrame(encode((e) => encoding.writeVarUint(e, Number.MAX_SAFE_INTEGER))),
    updateFrame(Y.encodeStateAsUpdate(subdoc)),
    updateFrame(item(8, (e) => {
      encoding.writeVarUint(e, 1);
      for (let i = 0; i < 50_000; i++) {
        encoding.writeUint8(e, 117);
        encoding.writeVarUint(e, 1);
      }
      encoding.writeUint8(e, 126);
    }, "settings")),
    updateFrame(item(4 | 128, (e) => {
      encoding.writeVarUint(e, 4242);
      encoding.writeVarUint(e, 99);
      encoding.writeVarString(e, "x");
    })),
    updateFrame(item(4, (e) => encoding.writeVarString(e, "junk"), "elsewhere")),
    updateFrame(item(8, (e) => encoding.writeVarUint(e, 2 ** 31), "settings")),
    updateFrame(Uint8Array.of(0, 1, 5, 1, 3, 0)),
    Uint8Array.of(0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f),
    Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1),
    Uint8Array.of(0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
    awarenessMany,
    Uint8Array.of(2, 0),
    Uint8Array.of(0x80, 0x80, 0x80, 0x01),
    new Uint8Array(0),
  ];
}

/** A frame that a room must refuse for what it is, not how it is written. */
interface RefusedFrame {
  frame: Uint8Array;
  /** 1008: it depends on or deletes what the room lacks; 4422: content Duet does not use. */
  closeCode: number;
  what: string;
}

/**
 * Well-formed updates that only the room's document can tell apart from good
 * ones: deletes of clocks nobody wrote yet (a participant's next keystrokes,
 * made-up clients), structs whose dependencies are missing, and content the
 * code cannot hold. `model` is a copy of the room's document.
 */
function refusedFrame(next: () => number, model: Y.Doc): RefusedFrame {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const clients = [...model.store.clients.keys()];
  const roll = next();
  if (roll < 0.35) {
    // Pending deletes: from a known client's next clock on, or any made-up client.
    const ranges = Array.from({ length: 1 + Math.floor(next() * 50) }, () => {
      const known = next() < 0.5 && clients.length > 0;
      const client = known ? pick(clients) : 1 + Math.floor(next() * 2 ** 31);
      const state = Y.getState(model.store, client);
      return [client, state + Math.floor(next() * 3), 1 + Math.floor(next() * 1_000)];
    });
    // Sometimes behind a deletion the room could accept.
    if (clients.length > 0 && next() < 0.3) ranges.unshift([pick(clients), 0, 1]);
    return {
      frame: updateFrame(encode((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, ranges.length);
        for (const [client, clock, length] of ranges) {
          encoding.writeVarUint(e, client);
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint(e, clock);
          encoding.writeVarUint(e, length);
        }
      })),
      closeCode: 1008,
      what: "pending delete",
    };
  }
  const writer = new Y.Doc();
  Y.applyUpdate(writer, Y.encodeStateAsUpdate(model));
  const updates: Uint8Array[] = [];
  writer.on("update", (update: Uint8Array) => updates.push(update));
  const text = writer.getText("code");
  const at = () => Math.floor(next() * (text.length + 1));
  try {
    if (roll < 0.7) {
      // Pending structs: a keystroke without the one before it, or next to
      // text another writer typed that the room never got.
      if (next() < 0.5) {
        for (let n = 2 + Math.floor(next() * 3); n > 0; n--) text.insert(at(), "ab");
        updates.shift();
      } else {
        const other = new Y.Doc();
        Y.applyUpdate(other, Y.encodeStateAsUpdate(model));
        other.getText("code").insert(Math.floor(next() * 10), "unseen");
        Y.applyUpdate(writer, Y.encodeStateAsUpdate(other, Y.encodeStateVector(writer)));
        other.destroy();
        updates.length = 0;
        text.insert(text.toString().indexOf("unseen") + 1 + Math.floor(next() * 5), "x");
      }
      return {
        frame: updateFrame(updates.length > 1 ? Y.mergeUpdates(updates) : updates[0]),
        closeCode: 1008,
        what: "pending struct",
      };
    }
    const settings = writer.getMap("settings");
    const changes: (() => void)[] = [
      () => text.insertEmbed(at(), { image: "x.png" }),
      () => text.insertEmbed(at(), new Y.Map()),
      () => text.insertEmbed(at(), new Y.Text("nested")),
      () => text.format(0, 1 + Math.floor(next() * 5), { bold: true }),
      () => text.insert(at(), "styled", { italic: true }),
      () => settings.set("language", pick(["cobol", "", 42, null, { id: "rust" }])),
      () => settings.set(pick(["theme", "__proto__", "constructor", ""]), "rust"),
      () => settings.set("language", new Y.Map()),
    ];
    pick(changes)();
    return {
      frame: updateFrame(updates.length > 1 ? Y.mergeUpdates(updates) : updates[0]),
      closeCode: 4422,
      what: "non-text content",
    };
  } finally {
    writer.destroy();
  }
}

/** Writes `value` as a lib0 varuint. */
function varUint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 127) {
    bytes.push((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

/** One frame to throw at the server. */
function nextFrame(next: () => number, valid: Uint8Array[], hostile: Uint8Array[]): Uint8Array {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const byte = () => Math.floor(next() * 256);
  const roll = next();
  if (roll < 0.1) {
    // Random bytes, often behind a known message type to get past the first check.
    const bytes = Array.from({ length: Math.floor(next() * 64) }, byte);
    if (next() < 0.6) bytes.unshift(pick([0, 0, 1, 3]));
    if (bytes[0] === 0 && next() < 0.7) bytes.splice(1, 0, pick([0, 1, 2]));
    return Uint8Array.from(bytes);
  }
  if (roll < 0.15) return Uint8Array.from(Array.from({ length: Math.floor(next() * 3) }, byte));
  if (roll < 0.25) return pick(valid).slice();
  if (roll < 0.32) return pick(hostile);
  if (roll < 0.37) {
    // Unknown message types, some written in several bytes.
    return Uint8Array.from([
      ...varUint(pick([2, 4, 5, 99, 101, 127, 128, 300, 2 ** 31])),
      ...Array.from({ length: 4 }, byte),
    ]);
  }
  const frame = pick(valid);
  if (roll < 0.47) {
    // A wrong length in front of the body: shorter, longer or absurd.
    const bodyAt = frame[0] === 0 ? 2 : 1;
    let length = 0;
    let at = bodyAt;
    for (let shift = 1; frame[at] >= 128; at++, shift *= 128) length += (frame[at] & 127) * shift;
    const body = frame.subarray(at + 1);
    const claimed = pick([
      0,
      1,
      body.length - 1,
      body.length + 1,
      body.length * 2,
      2 ** 31,
      2 ** 50,
    ]);
    return Uint8Array.from([
      ...frame.subarray(0, bodyAt),
      ...varUint(Math.max(0, claimed)),
      ...body,
    ]);
  }
  // Mutations of a real frame.
  let bytes = Array.from(frame);
  for (let m = 1 + Math.floor(next() * 4); m > 0; m--) {
    const at = Math.floor(next() * (bytes.length + 1));
    const kind = next();
    if (kind < 0.3 && bytes.length) bytes[at % bytes.length] = byte();
    else if (kind < 0.45 && bytes.length) bytes[at % bytes.length] ^= 1 << Math.floor(next() * 8);
    else if (kind < 0.6) bytes.splice(at, 0, byte());
    else if (kind < 0.7) bytes.splice(at, 1);
    else if (kind < 0.8) bytes = bytes.slice(0, at);
    else if (kind < 0.88) bytes.splice(at, 1, 0xff, 0xff, 0xff, 0xff, 0x0f);
    else if (kind < 0.94) bytes.push(...Array.from({ length: 1 + Math.floor(next() * 8) }, byte));
    else bytes.splice(at, 0, ...bytes.slice(at, at + 1 + Math.floor(next() * 16)));
  }
  return Uint8Array.from(bytes);
}

Deno.test(`Fuzz – ${IN_PROCESS_FRAMES} hostile frames at Room.receive leave the room, its text and its people intact`, () => {
  const seed = testSeed();
  const next = seededRandom(seed);
  const where = (i: number) => `(seed ${seed}, frame ${i}; replay with DUET_TEST_SEED=${seed})`;
  const room = new Room("fuzz", {
    state: initialDocumentState(INITIAL_CODE, "javascript"),
    language: "javascript",
  });
  const alice = new YjsPeer();
  const bob = new YjsPeer();
  for (const peer of [alice, bob]) {
    room.join(peer);
    room.receive(peer, peer.step1());
  }
  room.receive(alice, alice.presence({ user: { name: "Alice", color: "#aa3355" } }));
  const valid = validFrames();
  const hostile = hostileFrames();
  const limits = { maxDocumentBytes: 64 * 1024, maxPresenceBytes: 8 * 1024 };
  // The attacker is a bare participant: what it is sent does not matter.
  const attacker = (): Participant => ({ send() {} });
  let mallory = attacker();
  room.join(mallory);
  const closes = new Map<number, number>();
  const refusals = new Map<string, number>();
  let accepted = 0;
  let slowest = 0;
  try {
    for (let i = 0; i < IN_PROCESS_FRAMES; i++) {
      const refused = next() < 0.1 ? refusedFrame(next, room.doc) : undefined;
      const frame = refused?.frame ?? nextFrame(next, valid, hostile);
      const started = performance.now();
      try {
        room.receive(mallory, frame, limits);
        if (refused) assert.fail(`a ${refused.what} was accepted ${where(i)}: ${frame}`);
        accepted++;
      } catch (error) {
        if (!(error instanceof ProtocolError)) {
          assert.fail(`${error} ${where(i)}: ${frame.subarray(0, 64)}`);
        }
        if (refused) {
          assert.equal(error.closeCode, refused.closeCode, `${refused.what} ${where(i)}`);
          refusals.set(refused.what, (refusals.get(refused.what) ?? 0) + 1);
        }
        closes.set(error.closeCode, (closes.get(error.closeCode) ?? 0) + 1);
        assert.equal(room.code, INITIAL_CODE, `a refused frame changed the code ${where(i)}`);
        // As the hub would: that connection is closed, and the attacker comes back.
        room.leave(mallory);
        mallory = attacker();
        room.join(mallory);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    assert.equal(room.code, INITIAL_CODE, `the code is unchanged ${where(-1)}`);
    // Nothing parked for later, nothing stored that was refused.
    assert.equal(room.doc.store.pendingStructs, null, `no pending structs ${where(-1)}`);
    assert.equal(room.doc.store.pendingDs, null, `no pending deletes ${where(-1)}`);
    for (const what of ["pending delete", "pending struct", "non-text content"]) {
      assert.ok((refusals.get(what) ?? 0) > 10, `${what}s were generated and refused ${where(-1)}`);
    }
    assert.ok(
      room.encodeState().byteLength < 4 * 1024,
      `the stored state stays small (${room.encodeState().byteLength} bytes) ${where(-1)}`,
    );
    assert.equal(alice.text, INITIAL_CODE);
    assert.equal(bob.text, INITIAL_CODE);
    assert.equal(room.size, 3);
    assert.equal(
      (bob.awareness.getStates().get(alice.doc.clientID) as { user: { name: string } }).user.name,
      "Alice",
      "Alice's presence is hers",
    );
    // The room still works, and still saves.
    room.receive(alice, alice.edit((text) => text.insert(0, "// ok\n")));
    assert.equal(bob.text, `// ok\n${INITIAL_CODE}`);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, room.encodeState());
    assert.equal(reloaded.getText("code").toString(), `// ok\n${INITIAL_CODE}`);
    console.log(
      `fuzz (in process, seed ${seed}): ${IN_PROCESS_FRAMES} frames, ${accepted} accepted, ` +
        `closes by code ${JSON.stringify(Object.fromEntries([...closes].sort()))}, ` +
        `refused ${JSON.stringify(Object.fromEntries(refusals))}, ` +
        `slowest ${slowest.toFixed(1)} ms; code unchanged, nothing pending, 2 peers in sync`,
    );
  } finally {
    room.leave(mallory);
    room.destroy();
    alice.destroy();
    bob.destroy();
  }
});

Deno.test(`Fuzz – ${SOCKET_FRAMES} hostile frames over real sockets close only their own connection`, async () => {
  const seed = testSeed();
  const next = seededRandom(seed);
  const where = (i: number) => `(seed ${seed}, frame ${i}; replay with DUET_TEST_SEED=${seed})`;
  await using server = await startTestServer({
    // Input handling is under test here, not the rate and connection limits.
    limits: { messagesPerSecond: 100_000, maxConnectionsPerAddress: 1_000 },
  });
  const { roomId } = await createRoom(server, { code: INITIAL_CODE });
  const alice = connect(server, roomId);
  const bob = connect(server, roomId);
  const attackers: Client[] = [];
  const closes = new Map<number, number>();
  const refusals = new Map<string, number>();
  const valid = validFrames();
  const hostile = hostileFrames();
  try {
    await Promise.all([alice.joined, bob.joined]);
    await waitFor(() => alice.peer.text === INITIAL_CODE && bob.peer.text === INITIAL_CODE, "sync");
    // A copy of the room in process, given the same frames, says what the
    // server must do with each: close with the same code, or go on.
    const twin = new Room("twin", {
      state: Y.encodeStateAsUpdate(alice.peer.doc),
      language: "javascript",
    });
    const limits = {
      maxDocumentBytes: DEFAULT_LIMITS.maxDocumentBytes,
      maxPresenceBytes: DEFAULT_LIMITS.maxPresenceBytes,
    };
    let mallory: Client | undefined;
    let mallorysTwin: Participant | undefined;
    let closed: CloseEvent | undefined;
    for (let i = 0; i < SOCKET_FRAMES; i++) {
      if (!mallory || closed) {
        mallory = connect(server, roomId);
        attackers.push(mallory);
        closed = undefined;
        mallory.closed.then((event) => (closed = event));
        await mallory.joined;
        const current = mallory;
        await waitFor(() => current.peer.text === INITIAL_CODE, `Mallory's sync ${where(i)}`);
        if (mallorysTwin) twin.leave(mallorysTwin);
        mallorysTwin = { send() {} };
        twin.join(mallorysTwin);
      }
      const refused = next() < 0.15 ? refusedFrame(next, twin.doc) : undefined;
      const frame = refused?.frame ?? nextFrame(next, valid, hostile);
      let refusal: number | undefined;
      try {
        twin.receive(mallorysTwin!, frame, limits);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        refusal = error.closeCode;
      }
      if (refused) {
        assert.equal(refusal, refused.closeCode, `${refused.what} ${where(i)}`);
        refusals.set(refused.what, (refusals.get(refused.what) ?? 0) + 1);
      }
      const current = mallory;
      if (refusal !== undefined) {
        current.socket.send(frame);
        await waitFor(() => closed !== undefined, `a refusal (${refusal}) ${where(i)}`);
        assert.equal(closed!.code, refusal, `the close code ${where(i)}`);
        closes.set(refusal, (closes.get(refusal) ?? 0) + 1);
      } else {
        // Accepted: a presence query after it is answered on the same connection.
        const answers = () => current.received.filter((message) => message[0] === 1).length;
        const before = answers();
        current.socket.send(frame);
        current.socket.send(Uint8Array.of(3));
        await waitFor(() => answers() > before || closed !== undefined, `an answer ${where(i)}`);
        assert.equal(closed, undefined, `an accepted frame was refused ${where(i)}`);
      }
    }
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, `the server is alive (seed ${seed})`);
    await health.body?.cancel();
    const stored = await (await fetch(`${server.url}/rooms/${roomId}`)).json();
    assert.equal(stored.code, INITIAL_CODE, `the code is unchanged (seed ${seed})`);
    assert.ok(closes.size > 0, `some frames were refused (seed ${seed})`);
    for (const what of ["pending delete", "pending struct", "non-text content"]) {
      assert.ok((refusals.get(what) ?? 0) > 0, `${what}s were sent and refused (seed ${seed})`);
    }
    assert.equal(alice.socket.readyState, WebSocket.OPEN);
    assert.equal(bob.socket.readyState, WebSocket.OPEN);
    alice.socket.send(alice.peer.edit((text) => text.insert(0, "// still here\n")));
    await waitFor(() => bob.peer.text === `// still here\n${INITIAL_CODE}`, "Alice's edit at Bob");
    twin.destroy();
    console.log(
      `fuzz (sockets, seed ${seed}): ${SOCKET_FRAMES} frames over ${attackers.length} connections, ` +
        `closes by code ${JSON.stringify(Object.fromEntries([...closes].sort()))}, each as the ` +
        `room in process refused it (${JSON.stringify(Object.fromEntries(refusals))}); ` +
        `server alive, code unchanged, 2 peers connected and in sync`,
    );
  } finally {
    for (const client of [alice, bob, ...attackers]) client.close();
  }
});
