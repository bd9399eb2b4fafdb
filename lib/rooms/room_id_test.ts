import assert from "node:assert/strict";
import { generateRoomId, isRoomId, ROOM_ID_LENGTH } from "./room_id.ts";

Deno.test("generateRoomId – makes 22 base62 characters", () => {
  const id = generateRoomId();
  assert.equal(id.length, ROOM_ID_LENGTH);
  assert.match(id, /^[0-9A-Za-z]{22}$/);
});

Deno.test("generateRoomId – ids do not repeat", () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => generateRoomId()));
  assert.equal(ids.size, 10_000);
});

Deno.test("generateRoomId – uses every character of the alphabet", () => {
  const seen = new Set(Array.from({ length: 500 }, () => generateRoomId()).join(""));
  assert.equal(seen.size, 62);
});

Deno.test("generateRoomId – skips bytes that would bias the alphabet", () => {
  let call = 0;
  const id = generateRoomId({
    fillRandom(bytes) {
      // First buffer: only biased bytes (248..255); then all zeros.
      bytes.fill(call++ === 0 ? 250 : 0);
      return bytes;
    },
  });
  assert.equal(id, "0".repeat(ROOM_ID_LENGTH));
  assert.equal(call, 2);
});

Deno.test("isRoomId – accepts ids and rejects malformed ones", () => {
  assert.ok(isRoomId(generateRoomId()));
  assert.ok(!isRoomId(""));
  assert.ok(!isRoomId("short"));
  assert.ok(!isRoomId("a".repeat(23)));
  assert.ok(!isRoomId("aaaaaaaaaaaaaaaaaaaa-_"));
  assert.ok(!isRoomId("../../etc/passwd/aaaaaa"));
  assert.ok(!isRoomId("'; drop table rooms;--x"));
  assert.ok(!isRoomId(42));
});
