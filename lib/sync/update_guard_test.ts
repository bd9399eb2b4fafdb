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
