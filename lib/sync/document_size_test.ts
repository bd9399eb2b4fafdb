import assert from "node:assert/strict";
import * as Y from "yjs";
import { DocumentSize } from "./document_size.ts";
import { ProtocolError } from "./protocol.ts";
import { checkUpdate } from "./update_guard.ts";

/** The update `change` makes to a copy of `doc`. */
function updateFrom(doc: Y.Doc, change: (text: Y.Text) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const before = Y.encodeStateVector(copy);
  change(copy.getText("code"));
  const update = Y.encodeStateAsUpdate(copy, before);
  copy.destroy();
  return update;
}

function admits(size: DocumentSize, update: Uint8Array, max: number): boolean {
  try {
    size.check(update, checkUpdate(update), max);
    return true;
  } catch (error) {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.closeCode, 4413);
    return false;
  }
}

Deno.test("DocumentSize – counts the code in UTF-8 bytes against the limit", () => {
  const doc = new Y.Doc();
  doc.getText("code").insert(0, "é".repeat(40)); // 80 bytes, 40 code units
  const size = new DocumentSize(doc);
  assert.equal(admits(size, updateFrom(doc, (text) => text.insert(0, "abcdefghij")), 100), true);
  assert.equal(admits(size, updateFrom(doc, (text) => text.insert(0, "a".repeat(30))), 100), false);
});

Deno.test("DocumentSize – always lets deletions through", () => {
  const doc = new Y.Doc();
  doc.getText("code").insert(0, "x".repeat(200));
  const size = new DocumentSize(doc);
  assert.equal(admits(size, updateFrom(doc, (text) => text.delete(0, 10)), 100), true);
});

Deno.test("DocumentSize – keeps counting as the document changes", () => {
  const doc = new Y.Doc();
  const size = new DocumentSize(doc);
  const max = 1_000;
  let accepted = 0;
  for (let i = 0; i < 200; i++) {
    const update = updateFrom(doc, (text) => text.insert(text.length, "0123456789"));
    if (!admits(size, update, max)) break;
    Y.applyUpdate(doc, update);
    accepted++;
  }
  const bytes = doc.getText("code").length;
  assert.ok(bytes <= max && bytes > max - 20, `stopped near the limit (${bytes} bytes)`);
  assert.equal(accepted, bytes / 10);
  // Freeing space lets edits in again.
  Y.applyUpdate(doc, updateFrom(doc, (text) => text.delete(0, 500)));
  assert.equal(admits(size, updateFrom(doc, (text) => text.insert(0, "again")), max), true);
});

Deno.test("DocumentSize – the message says the limit in words people read", () => {
  const doc = new Y.Doc();
  const size = new DocumentSize(doc);
  const update = updateFrom(doc, (text) => text.insert(0, "x".repeat(3 * 1024 * 1024)));
  assert.throws(
    () => size.check(update, checkUpdate(update), 2 * 1024 * 1024),
    /^ProtocolError: This room has reached its size limit \(2 MiB\): your last change was not saved/,
  );
});
