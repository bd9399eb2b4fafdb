import assert from "node:assert/strict";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { ProtocolError } from "./protocol.ts";
import { checkUpdate } from "./update_guard.ts";
import { withTestSeed } from "../../testing/random.ts";
import { encode, itemUpdate } from "../../tests/_yjs_bytes.ts";

/** Every kind of update a Yjs client can produce, from one document's history. */
function sampleUpdates(): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const doc = new Y.Doc();
  doc.on("update", (update: Uint8Array) => updates.push(update));
  const text = doc.getText("code");
  text.insert(0, "héllo wörld 😀\n");
  text.insert(3, "abc");
  text.delete(1, 4);
  text.format(0, 2, { bold: true });
  text.insertEmbed(1, { image: "x.png" });
  doc.getMap("settings").set("language", "rust");
  doc.getMap("settings").set("nested", { list: [1, -2, 2.5, 2 ** 40, null, true, "s"], n: 10n });
  doc.getArray("array").insert(0, [new Uint8Array([1, 2, 3]), { a: undefined }]);
  doc.getMap("settings").set("map", new Y.Map());
  doc.getXmlFragment("xml").insert(0, [new Y.XmlElement("p"), new Y.XmlText("hi")]);
  updates.push(Y.encodeStateAsUpdate(doc));
  const other = new Y.Doc();
  other.getText("code").insert(0, "other");
  updates.push(Y.mergeUpdates([updates[0], updates[4], Y.encodeStateAsUpdate(other)]));
  doc.destroy();
  other.destroy();
  return updates;
}

function refusal(update: Uint8Array, options?: Parameters<typeof checkUpdate>[1]): ProtocolError {
  try {
    checkUpdate(update, options);
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.closeCode, 1007);
    return error;
  }
  assert.fail(`expected a refusal of ${update}`);
}

Deno.test("checkUpdate – accepts every kind of update Yjs writes", () => {
  for (const update of sampleUpdates()) checkUpdate(update);
  checkUpdate(Y.encodeStateAsUpdate(new Y.Doc()));
});

Deno.test("checkUpdate – counts structs and inserted bytes, none for a deletion", () => {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  doc.getText("code").insert(0, "hello");
  doc.getText("code").delete(0, 2);
  assert.deepEqual(checkUpdate(updates[0]), { structs: 1, insertedBytes: 6 });
  assert.equal(checkUpdate(updates[1]).insertedBytes, 0);
  doc.destroy();
});

Deno.test("checkUpdate – refuses every truncation and trailing bytes", () => {
  for (const update of sampleUpdates()) {
    for (let length = 0; length < update.length; length++) {
      refusal(update.subarray(0, length));
    }
    assert.match(refusal(Uint8Array.of(...update, 0)).message, /Trailing/);
  }
});

Deno.test("checkUpdate – refuses counts larger than the update before allocating", () => {
  // Refused by the count itself, before anything is read or allocated for it
  // (unchecked, a count runs out of bytes later: "ends too early").
  for (const count of [2 ** 20, 30_000_000, 2 ** 32 - 1, 2 ** 53 - 1]) {
    const structs = refusal(encode((e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, count);
      encoding.writeVarUint(e, 5);
      encoding.writeVarUint(e, 0);
    }));
    assert.match(structs.message, /claims more structs than it holds/, String(count));
    const groups = refusal(encode((e) => encoding.writeVarUint(e, count)));
    assert.match(groups.message, /claims more client groups than it holds/, String(count));
  }
  const tooLong = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
  assert.match(refusal(tooLong).message, /number out of range/);
});

Deno.test("checkUpdate – refuses subdocuments, unknown roots, content and deep nesting", () => {
  const subdoc = new Y.Doc();
  subdoc.getMap("settings").set("sub", new Y.Doc());
  assert.match(refusal(Y.encodeStateAsUpdate(subdoc)).message, /Subdocuments/);

  const [insert] = sampleUpdates();
  assert.match(
    refusal(insert, { isRootName: (name) => name === "settings" }).message,
    /shared type/,
  );
  checkUpdate(insert, { isRootName: (name) => name === "code" });

  assert.match(refusal(itemUpdate(11, () => {})).message, /content type/);
  assert.match(refusal(itemUpdate(7, (e) => encoding.writeVarUint(e, 9))).message, /shared type 9/);
  const deep = itemUpdate(8, (e) => {
    encoding.writeVarUint(e, 1);
    for (let i = 0; i < 100; i++) {
      encoding.writeUint8(e, 117);
      encoding.writeVarUint(e, 1);
    }
    encoding.writeUint8(e, 126);
  });
  assert.match(refusal(deep).message, /too deeply/);
  assert.match(
    refusal(itemUpdate(8, (e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeUint8(e, 42);
    })).message,
    /value tag/,
  );
  assert.match(
    refusal(itemUpdate(4, (e) => encoding.writeVarUint8Array(e, Uint8Array.of(0xff)))).message,
    /UTF-8/,
  );
  assert.match(refusal(itemUpdate(4, (e) => encoding.writeVarString(e, ""))).message, /empty/);
  assert.match(
    refusal(itemUpdate(2, (e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, "{");
    })).message,
    /JSON/,
  );
});

Deno.test("checkUpdate – refuses references a struct makes to its own client's future", () => {
  // Yjs assumes such a reference is already integrated and corrupts its store.
  const selfReference = encode((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 9); // client
    encoding.writeVarUint(e, 0); // clock
    encoding.writeUint8(e, 4 | 128); // string content with an origin
    encoding.writeVarUint(e, 9);
    encoding.writeVarUint(e, 51);
    encoding.writeVarString(e, "x");
    encoding.writeVarUint(e, 0);
  });
  assert.match(refusal(selfReference).message, /later struct/);
  const doc = new Y.Doc();
  assert.throws(() => Y.applyUpdate(doc, selfReference), "Yjs itself breaks on it");
});

Deno.test("checkUpdate – refuses empty deleted ranges, which Yjs cannot save again", () => {
  refusal(Uint8Array.of(0, 1, 5, 1, 3, 0));
});

Deno.test("checkUpdate – what it accepts from mutated updates, Yjs applies without throwing", () =>
  withTestSeed((next, seed) => {
    const corpus = sampleUpdates();
    let accepted = 0;
    for (let i = 0; i < 3_000; i++) {
      let update = corpus[Math.floor(next() * corpus.length)].slice();
      for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
        const at = Math.floor(next() * update.length);
        const choice = next();
        if (choice < 0.6) update[at] = Math.floor(next() * 256);
        else if (choice < 0.8) {
          update = Uint8Array.of(...update.subarray(0, at), ...update.subarray(at + 1));
        } else {update = Uint8Array.of(
            ...update.subarray(0, at),
            Math.floor(next() * 256),
            ...update.subarray(at),
          );}
      }
      try {
        checkUpdate(update);
      } catch (error) {
        if (error instanceof ProtocolError) continue;
        throw error;
      }
      accepted++;
      const doc = new Y.Doc();
      doc.getText("code").insert(0, "base");
      try {
        Y.applyUpdate(doc, update);
        Y.encodeStateAsUpdate(doc);
      } catch (error) {
        assert.fail(`Yjs threw on an accepted update (seed ${seed}, frame ${i}): ${error}`);
      } finally {
        doc.destroy();
      }
    }
    assert.ok(accepted > 50, `enough mutations pass to mean something (seed ${seed})`);
  }));

// ---------------------------------------------------------------------------
// Against the room's document: nothing pending, plain text, known settings.

/** Every update `doc` emits from now on. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  return updates;
}

/** A document with `clientID` set, as a participant's would be. */
function docOf(clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

/** A copy of `doc` with the same structs (Yjs's verdict is taken on it, not on `doc`). */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Whether Yjs keeps something pending after applying `update` to a copy of `doc`. */
function yjsKeepsPending(doc: Y.Doc, update: Uint8Array): boolean {
  const copy = copyOf(doc);
  Y.applyUpdate(copy, update);
  const pending = copy.store.pendingStructs !== null || copy.store.pendingDs !== null;
  copy.destroy();
  return pending;
}

function refusalAgainst(update: Uint8Array, doc: Y.Doc, closeCode: number): ProtocolError {
  try {
    checkUpdate(update, { document: doc });
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.closeCode, closeCode, error.message);
    assert.equal(error.reason, closeCode === 1008 ? "missing_dependency" : "content_refused");
    return error;
  }
  assert.fail(`expected a refusal (${closeCode}) of ${update}`);
}

/** A delete-only update: `ranges` of [client, clock, length]. */
function deletion(ranges: [number, number, number][]): Uint8Array {
  return encode((e) => {
    encoding.writeVarUint(e, 0); // no structs
    encoding.writeVarUint(e, ranges.length);
    for (const [client, clock, length] of ranges) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  });
}

Deno.test("checkUpdate – refuses deletes of clocks the document does not hold (1008)", () => {
  const room = docOf(1);
  const victim = docOf(2);
  recordUpdates(victim);
  victim.getText("code").insert(0, "mine");
  Y.applyUpdate(room, Y.encodeStateAsUpdate(victim));
  // The victim's next clocks: whatever they type next.
  const targeted = deletion([[2, 4, 100]]);
  assert.ok(yjsKeepsPending(room, targeted), "Yjs would keep it pending");
  assert.match(
    refusalAgainst(targeted, room, 1008).message,
    /deletes content this room does not have/,
  );
  // Reaching one past the end is enough; up to the end is an ordinary deletion.
  refusalAgainst(deletion([[2, 2, 3]]), room, 1008);
  checkUpdate(deletion([[2, 2, 2]]), { document: room });
  // Clients nobody has heard of.
  const many = deletion(Array.from({ length: 10_000 }, (_, i) => [1_000 + i, 0, 1]));
  refusalAgainst(many, room, 1008);
  assert.equal(room.getText("code").toString(), "mine");
  // The update's own structs count: inserting and deleting at once is fine.
  const updates = recordUpdates(victim);
  victim.transact(() => {
    victim.getText("code").insert(4, "!!");
    victim.getText("code").delete(4, 1);
  });
  checkUpdate(updates[0], { document: room });
  for (const doc of [room, victim]) doc.destroy();
});

Deno.test("checkUpdate – refuses structs whose dependencies the document lacks (1008)", () => {
  const room = docOf(1);
  const alice = docOf(2);
  const bob = docOf(3);
  const fromAlice = recordUpdates(alice);
  const fromBob = recordUpdates(bob);
  alice.getText("code").insert(0, "one ");
  alice.getText("code").insert(4, "two");
  // A gap: Alice's second keystroke without her first.
  assert.ok(yjsKeepsPending(room, fromAlice[1]));
  assert.match(
    refusalAgainst(fromAlice[1], room, 1008).message,
    /depends on content this room does not have/,
  );
  // An origin elsewhere: Bob types next to Alice's text the room has not seen.
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice));
  fromBob.length = 0;
  bob.getText("code").insert(2, "B");
  assert.ok(yjsKeepsPending(room, fromBob[0]));
  refusalAgainst(fromBob[0], room, 1008);
  // The same updates pass once the room has what they depend on, or when one
  // update brings it along (a reconnecting client's sync step 2).
  checkUpdate(Y.mergeUpdates([fromAlice[0], fromAlice[1], fromBob[0]]), { document: room });
  checkUpdate(Y.encodeStateAsUpdate(bob), { document: room });
  Y.applyUpdate(room, fromAlice[0]);
  checkUpdate(fromAlice[1], { document: room });
  Y.applyUpdate(room, fromAlice[1]);
  checkUpdate(fromBob[0], { document: room });
  for (const doc of [room, alice, bob]) doc.destroy();
});

Deno.test("checkUpdate – refuses exactly what Yjs would keep pending (differential, seeded)", () =>
  withTestSeed((next, seed) => {
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
    let refused = 0;
    let accepted = 0;
    for (let round = 0; round < 40; round++) {
      const where = `(seed ${seed}, round ${round}; replay with DUET_TEST_SEED=${seed})`;
      const writers = Array.from({ length: 2 + Math.floor(next() * 3) }, (_, i) => docOf(10 + i));
      const log: Uint8Array[] = [];
      for (const writer of writers) {
        writer.on("update", (update: Uint8Array, origin: unknown) => {
          if (origin !== "sync") log.push(update);
        });
      }
      const room = docOf(1);
      const candidates: Uint8Array[] = [];
      for (let step = 0; step < 30; step++) {
        const writer = pick(writers);
        const text = writer.getText("code");
        const roll = next();
        if (roll < 0.5 || text.length === 0) {
          text.insert(Math.floor(next() * (text.length + 1)), pick(["a", "bc", "def\n", "é😀"]));
        } else if (roll < 0.65) {
          const at = Math.floor(next() * text.length);
          text.delete(at, 1 + Math.floor(next() * Math.min(3, text.length - at)));
        } else if (roll < 0.85) {
          const other = pick(writers);
          Y.applyUpdate(writer, Y.encodeStateAsUpdate(other, Y.encodeStateVector(writer)), "sync");
        } else {
          Y.applyUpdate(room, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(room)));
        }
        if (log.length === 0) continue;
        candidates.push(pick(log));
        candidates.push(Y.mergeUpdates([pick(log), pick(log)]));
        candidates.push(Y.encodeStateAsUpdate(pick(writers), Y.encodeStateVector(room)));
        const client = pick([...writers.map((w) => w.clientID), 99]);
        const known = Y.getState(room.store, client);
        candidates.push(
          deletion([[client, Math.floor(next() * (known + 2)), 1 + Math.floor(next() * 3)]]),
        );
      }
      for (const update of candidates) {
        const pending = yjsKeepsPending(room, update);
        let refusal: ProtocolError | undefined;
        try {
          checkUpdate(update, { document: room });
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          refusal = error;
        }
        assert.equal(
          refusal !== undefined,
          pending,
          `${pending ? "pending" : "complete"} update ${
            refusal ? "refused" : "accepted"
          } ${where}: ${refusal?.message} ${update}`,
        );
        if (refusal) {
          assert.equal(refusal.closeCode, 1008, where);
          refused++;
        } else accepted++;
      }
      for (const doc of [room, ...writers]) doc.destroy();
    }
    assert.ok(
      refused > 100 && accepted > 100,
      `both verdicts seen: ${refused} refused, ${accepted} accepted (seed ${seed})`,
    );
  }));

Deno.test("checkUpdate – the code holds plain text only, the settings known values (4422)", () => {
  const room = docOf(1);
  room.getText("code").insert(0, "hello");
  room.getMap("settings").set("language", "go");
  const cases: [string, (text: Y.Text, settings: Y.Map<unknown>) => void, RegExp][] = [
    ["an embedded object", (text) => text.insertEmbed(1, { image: "x.png" }), /embedded/],
    ["an embedded map", (text) => text.insertEmbed(1, new Y.Map()), /nested shared type/],
    ["formatting", (text) => text.format(0, 2, { bold: true }), /formatting/],
    ["text with attributes", (text) => text.insert(2, "x", { bold: true }), /formatting/],
    ["a setting nobody uses", (_, settings) => settings.set("theme", "dark"), /setting/],
    ["an unknown language", (_, settings) => settings.set("language", "cobol"), /language/],
    ["a language that is no string", (_, settings) => settings.set("language", 5), /language/],
    ["a map in the settings", (_, settings) => settings.set("language", new Y.Map()), /nested/],
  ];
  for (const [what, change] of cases) {
    const peer = docOf(2);
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(room));
    const updates = recordUpdates(peer);
    change(peer.getText("code"), peer.getMap("settings"));
    assert.equal(updates.length, 1, what);
    assert.match(
      refusalAgainst(updates[0], room, 4422).message,
      cases.find((c) => c[0] === what)![2],
      what,
    );
    peer.destroy();
  }
  // Room's client 1: "hello" at clocks 0–4, the language setting at 5.
  const code = { client: 1, clock: 0 };
  const language = { client: 1, clock: 5 };
  // Hand-made: text whose neighbours are the code on its left and the
  // language setting on its right; text in the settings map; a write inside
  // a nested type.
  const linked = encode((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 7); // client
    encoding.writeVarUint(e, 0); // clock
    encoding.writeUint8(e, 4 | 128 | 64); // text with both origins
    encoding.writeVarUint(e, code.client);
    encoding.writeVarUint(e, code.clock + 2);
    encoding.writeVarUint(e, language.client);
    encoding.writeVarUint(e, language.clock);
    encoding.writeVarString(e, "x");
    encoding.writeVarUint(e, 0);
  });
  assert.match(refusalAgainst(linked, room, 4422).message, /two shared types/);
  const textInSettings = itemUpdate(4 | 32, (e) => {
    encoding.writeVarString(e, "language");
    encoding.writeVarString(e, "rust");
  }, { client: 7, root: "settings" });
  assert.match(refusalAgainst(textInSettings, room, 4422).message, /text outside the code/);
  const nested = encode((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 7);
    encoding.writeVarUint(e, 0);
    encoding.writeUint8(e, 4);
    encoding.writeVarUint(e, 0); // parent by id
    encoding.writeVarUint(e, code.client);
    encoding.writeVarUint(e, code.clock);
    encoding.writeVarString(e, "x");
    encoding.writeVarUint(e, 0);
  });
  assert.match(refusalAgainst(nested, room, 4422).message, /nested shared type/);

  // What Duet's editor writes passes.
  const editor = docOf(20);
  Y.applyUpdate(editor, Y.encodeStateAsUpdate(room));
  const edits = recordUpdates(editor);
  editor.getText("code").insert(5, " world");
  editor.getText("code").delete(0, 1);
  editor.getMap("settings").set("language", "rust");
  editor.getMap("settings").set("language", "python");
  editor.getMap("settings").delete("language");
  for (const update of edits) {
    checkUpdate(update, { document: room });
    Y.applyUpdate(room, update);
  }
  assert.equal(room.getText("code").toString(), "ello world");
  checkUpdate(Y.encodeStateAsUpdate(editor), { document: new Y.Doc() });
  for (const doc of [room, editor]) doc.destroy();
});
