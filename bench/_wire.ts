// Hand-written: encoding through Yjs costs a Y.Doc transaction per keystroke, which would make the load generator the bottleneck.
/**
 * The y-websocket messages a typing browser sends, written by hand so that the
 * load generator spends microseconds, not a Y.Doc transaction, per keystroke;
 * and a decoder that reads just enough of what a server sends to tell whose
 * keystroke arrived. `selfCheck()` compares every encoding with Yjs's own.
 *
 * Hocuspocus speaks the same messages prefixed with the document name
 * (`varString`), starts with an auth message, and adds types of its own
 * (8: sync status, an acknowledgement of each update).
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

/** Which server a client talks to; only Hocuspocus frames messages differently. */
export type ServerKind = "duet" | "relay" | "yws" | "hocuspocus";

/** The `Y.Text` that holds a room's code, in every server. */
export const CODE_TEXT = "code";

const encoder = new TextEncoder();

/** Writes `n` as a lib0 varUint at `pos`; returns the position after it. */
function putVarUint(buffer: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buffer[pos++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  buffer[pos++] = n;
  return pos;
}

function varUintLength(n: number): number {
  let length = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

/** The bytes every message to a room starts with: the document name for Hocuspocus, else nothing. */
export function framePrefix(kind: ServerKind, roomName: string): Uint8Array {
  if (kind !== "hocuspocus") return new Uint8Array(0);
  const name = encoder.encode(roomName);
  const prefix = new Uint8Array(varUintLength(name.length) + name.length);
  prefix.set(name, putVarUint(prefix, 0, name.length));
  return prefix;
}

function withPrefix(prefix: Uint8Array, body: number[]): Uint8Array {
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  return message;
}

/** Sync step 1 with an empty state vector: "send me everything". */
export function encodeSyncStep1(prefix: Uint8Array): Uint8Array {
  return withPrefix(prefix, [0, 0, 1, 0]);
}

/** Sync step 2 carrying an empty update: the answer of a client that has nothing yet. */
export function encodeEmptySyncStep2(prefix: Uint8Array): Uint8Array {
  return withPrefix(prefix, [0, 1, 2, 0, 0]);
}

/** Hocuspocus's first message for a document: an auth token (empty; the server checks none). */
export function encodeHocuspocusAuth(prefix: Uint8Array): Uint8Array {
  return withPrefix(prefix, [2, 0, 0]);
}

/** The ID of a Yjs item. */
export interface ItemId {
  client: number;
  clock: number;
}

/**
 * A sync update inserting `text` into the room's code right after `origin`
 * (at the start of the text when `origin` is null), as Yjs would encode a
 * one-item transaction of client `client` at `clock`.
 */
export function encodeInsert(
  prefix: Uint8Array,
  item: ItemId,
  origin: ItemId | null,
  text: string,
): Uint8Array {
  const content = encoder.encode(text);
  const buffer = new Uint8Array(prefix.length + 64 + content.length);
  buffer.set(prefix);
  let pos = prefix.length;
  buffer[pos++] = 0; // sync
  buffer[pos++] = 2; // update
  const lengthAt = pos;
  // Room for the update's varUint length, written once the update is done.
  pos += varUintLength(content.length + 48);
  const start = pos;
  buffer[pos++] = 1; // one client's structs
  buffer[pos++] = 1; // one struct
  pos = putVarUint(buffer, pos, item.client);
  pos = putVarUint(buffer, pos, item.clock);
  // Info byte: content type 4 (string), bit 8 when an origin follows.
  buffer[pos++] = origin ? 0x84 : 0x04;
  if (origin) {
    pos = putVarUint(buffer, pos, origin.client);
    pos = putVarUint(buffer, pos, origin.clock);
  } else {
    buffer[pos++] = 1; // parent is a root type, named:
    buffer[pos++] = CODE_TEXT.length;
    for (let i = 0; i < CODE_TEXT.length; i++) buffer[pos++] = CODE_TEXT.charCodeAt(i);
  }
  pos = putVarUint(buffer, pos, content.length);
  buffer.set(content, pos);
  pos += content.length;
  buffer[pos++] = 0; // empty delete set
  return frameUpdate(buffer, lengthAt, start, pos);
}

/** A sync update deleting one character, the item `item`. */
export function encodeDelete(prefix: Uint8Array, item: ItemId): Uint8Array {
  const buffer = new Uint8Array(prefix.length + 32);
  buffer.set(prefix);
  let pos = prefix.length;
  buffer[pos++] = 0; // sync
  buffer[pos++] = 2; // update
  const lengthAt = pos;
  pos += 1; // the update is shorter than 128 bytes
  const start = pos;
  buffer[pos++] = 0; // no structs
  buffer[pos++] = 1; // delete set of one client
  pos = putVarUint(buffer, pos, item.client);
  buffer[pos++] = 1; // one range
  pos = putVarUint(buffer, pos, item.clock);
  buffer[pos++] = 1; // of length 1
  return frameUpdate(buffer, lengthAt, start, pos);
}

/** Writes the update's length before it, closing the gap left for it. */
function frameUpdate(buffer: Uint8Array, lengthAt: number, start: number, end: number): Uint8Array {
  const length = end - start;
  const lengthBytes = varUintLength(length);
  const reserved = start - lengthAt;
  if (lengthBytes > reserved) throw new RangeError(`Update length ${length} needs more room`);
  // Shift the prefix and header right by the unused length bytes.
  const shift = reserved - lengthBytes;
  if (shift > 0) buffer.copyWithin(shift, 0, lengthAt);
  putVarUint(buffer, lengthAt + shift, length);
  return buffer.subarray(shift, end);
}

/**
 * The presence a browser editor sends with each keystroke: the user and a
 * cursor as y-codemirror.next writes it (two relative positions).
 */
export function presenceJson(name: string, color: string, cursor: ItemId): string {
  const position =
    `{"type":null,"tname":null,"item":{"client":${cursor.client},"clock":${cursor.clock}},"assoc":0}`;
  return `{"user":{"name":"${name}","color":"${color}","colorLight":"${color}33"},"cursor":{"anchor":${position},"head":${position}}}`;
}

/** An awareness message with one client's state (a JSON text) at awareness clock `clock`. */
export function encodeAwareness(
  prefix: Uint8Array,
  client: number,
  clock: number,
  stateJson: string,
): Uint8Array {
  const state = encoder.encode(stateJson);
  const inner = 1 + varUintLength(client) + varUintLength(clock) +
    varUintLength(state.length) + state.length;
  const buffer = new Uint8Array(prefix.length + 1 + varUintLength(inner) + inner);
  buffer.set(prefix);
  let pos = prefix.length;
  buffer[pos++] = 1; // awareness
  pos = putVarUint(buffer, pos, inner);
  buffer[pos++] = 1; // one state
  pos = putVarUint(buffer, pos, client);
  pos = putVarUint(buffer, pos, clock);
  pos = putVarUint(buffer, pos, state.length);
  buffer.set(state, pos);
  return buffer;
}

/** What a message from the server is, as far as the generator cares. */
export const Incoming = {
  other: 0,
  syncStep1: 1,
  syncStep2: 2,
  insert: 3,
  delete: 4,
  /** An update whose first struct or deletion is not a single keystroke's. */
  update: 5,
  awareness: 6,
  authenticated: 7,
  syncStatus: 8,
  close: 9,
} as const;

/** The decoder's result; one object is reused for every message. */
export interface Decoded {
  kind: number;
  /** For insert/delete: the item's client and clock. */
  client: number;
  clock: number;
  /** For sync step 2 and updates: where the Yjs update lies in the message. */
  updateStart: number;
  updateEnd: number;
}

/** A fresh result object for {@linkcode decodeIncoming}. */
export function newDecoded(): Decoded {
  return { kind: 0, client: 0, clock: 0, updateStart: 0, updateEnd: 0 };
}

/**
 * Reads a message's type and, for updates, the first item's ID: enough to
 * match it to the keystroke that made it without applying it.
 */
export function decodeIncoming(data: Uint8Array, prefixed: boolean, out: Decoded): void {
  let pos = 0;
  const read = (): number => {
    let n = 0;
    let multiplier = 1;
    while (true) {
      const byte = data[pos++];
      if (byte === undefined) throw new RangeError("Message ends inside a number");
      n += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return n;
      multiplier *= 128;
    }
  };
  out.kind = Incoming.other;
  if (prefixed) {
    const nameLength = read(); // the document name
    pos += nameLength;
  }
  const type = read();
  if (type === 0 || type === 4) {
    const step = read();
    if (step === 0) {
      out.kind = Incoming.syncStep1;
      return;
    }
    const length = read();
    out.updateStart = pos;
    out.updateEnd = pos + length;
    if (step === 1) {
      out.kind = Incoming.syncStep2;
      return;
    }
    out.kind = Incoming.update;
    const clients = read();
    if (clients === 1) {
      read(); // structs
      out.client = read();
      out.clock = read();
      out.kind = Incoming.insert;
    } else if (clients === 0 && read() === 1) {
      out.client = read();
      if (read() >= 1) {
        out.clock = read();
        out.kind = Incoming.delete;
      }
    }
  } else if (type === 1) {
    out.kind = Incoming.awareness;
  } else if (type === 2 && prefixed) {
    if (read() === 2) out.kind = Incoming.authenticated;
  } else if (type === 8 && prefixed) {
    out.kind = Incoming.syncStatus;
  } else if (type === 7 && prefixed) {
    out.kind = Incoming.close;
  }
}

/**
 * Checks the hand-written encodings against Yjs and y-protocols: the same
 * edits made on a real Y.Doc must produce the same bytes. Throws on a mismatch.
 */
export function selfCheck(): void {
  const client = 123456789;
  const doc = new Y.Doc();
  doc.clientID = client;
  const text = doc.getText(CODE_TEXT);
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  text.insert(0, "a");
  text.insert(1, "é");
  text.delete(1, 1);
  text.insert(1, "c");
  const frame = (update: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeUpdate(e, update);
    return encoding.toUint8Array(e);
  };
  const none = new Uint8Array(0);
  const mine: Uint8Array[] = [
    encodeInsert(none, { client, clock: 0 }, null, "a"),
    encodeInsert(none, { client, clock: 1 }, { client, clock: 0 }, "é"),
    encodeDelete(none, { client, clock: 1 }),
    // Yjs skips deleted items right of the cursor: the origin is the deleted "é".
    encodeInsert(none, { client, clock: 2 }, { client, clock: 1 }, "c"),
  ];
  updates.forEach((update, i) => {
    if (!equalBytes(frame(update), mine[i])) {
      throw new Error(
        `Hand-written update ${i} differs from Yjs's: ${frame(update)} vs ${mine[i]}`,
      );
    }
  });
  // A long insert needs a multi-byte length.
  const big = "x".repeat(300);
  const bigDoc = new Y.Doc();
  bigDoc.clientID = 7;
  let bigUpdate: Uint8Array | undefined;
  bigDoc.on("update", (update: Uint8Array) => (bigUpdate = update));
  bigDoc.getText(CODE_TEXT).insert(0, big);
  if (!equalBytes(frame(bigUpdate!), encodeInsert(none, { client: 7, clock: 0 }, null, big))) {
    throw new Error("Hand-written long insert differs from Yjs's");
  }
  // Decoding what we wrote.
  expectDecoded(mine[1], false, Incoming.insert, client, 1);
  expectDecoded(mine[2], false, Incoming.delete, client, 1);
  const framed = encodeInsert(framePrefix("hocuspocus", "room-1"), { client, clock: 5 }, null, "z");
  expectDecoded(framed, true, Incoming.insert, client, 5);
  // Awareness: y-protocols must read back the state we wrote.
  const json = presenceJson("Typist 1", "#30bced", { client, clock: 2 });
  const message = encodeAwareness(none, client, 3, json);
  const decoder = decoding.createDecoder(message);
  if (decoding.readVarUint(decoder) !== 1) throw new Error("Awareness type byte is wrong");
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), null);
  const state = awareness.getStates().get(client);
  if (JSON.stringify(state) !== json || awareness.meta.get(client)?.clock !== 3) {
    throw new Error("Hand-written awareness update does not read back");
  }
  awareness.destroy();
  doc.destroy();
  bigDoc.destroy();
}

function expectDecoded(
  message: Uint8Array,
  prefixed: boolean,
  kind: number,
  client: number,
  clock: number,
): void {
  const out = newDecoded();
  decodeIncoming(message, prefixed, out);
  if (out.kind !== kind || out.client !== client || out.clock !== clock) {
    throw new Error(`Decoder misread ${message}: ${JSON.stringify(out)}`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
