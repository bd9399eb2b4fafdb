import assert from "node:assert/strict";
import { describeSave } from "./save_state.ts";

const base = {
  localClock: 0,
  savedClock: 0,
  storageDown: false,
  connected: true,
  online: true,
};

Deno.test("describeSave – saved when the receipt covers every own edit", () => {
  assert.equal(describeSave(base).text, "Saved");
  assert.equal(describeSave({ ...base, localClock: 7, savedClock: 7 }).text, "Saved");
  assert.equal(describeSave({ ...base, localClock: 7, savedClock: 9 }).phase, "saved");
});

Deno.test("describeSave – saving while a receipt is due", () => {
  assert.deepEqual(describeSave({ ...base, localClock: 8, savedClock: 7 }).text, "Saving…");
});

Deno.test("describeSave – not saved while the database is down or the socket is", () => {
  const down = describeSave({ ...base, localClock: 8, savedClock: 7, storageDown: true });
  assert.equal(down.text, "Not saved");
  assert.match(down.detail, /database/);
  const offline = describeSave({ ...base, localClock: 8, savedClock: 7, connected: false });
  assert.equal(offline.text, "Not saved");
  assert.match(offline.detail, /connection returns/);
  assert.equal(
    describeSave({ ...base, storageDown: true }).text,
    "Saved",
    "nothing of yours at risk",
  );
});

Deno.test("describeSave – not saved while the browser is offline, even with the socket open", () => {
  const offline = describeSave({ ...base, localClock: 8, savedClock: 7, online: false });
  assert.equal(offline.phase, "unsaved");
  assert.equal(offline.text, "Not saved");
  assert.match(offline.detail, /connection returns/);
  assert.equal(describeSave({ ...base, online: false }).text, "Saved", "nothing of yours at risk");
});
