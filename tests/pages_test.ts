import assert from "node:assert/strict";
import { createRoom } from "../testing/rooms.ts";
import { createTestApp } from "./_server.ts";

Deno.test("Pages – a page with the editor island links its stylesheet; the home page does not", async () => {
  await using duet = await createTestApp();
  const { roomId } = await createRoom(duet);
  const room = await (await duet.request(`/room/${roomId}`)).text();
  assert.match(room, /<link rel="stylesheet" href="\/styles.css"\/>/);
  assert.match(room, /<link rel="stylesheet" href="\/editor.css"\/>/);
  const home = await (await duet.request("/")).text();
  assert.match(home, /<link rel="stylesheet" href="\/styles.css"\/>/);
  assert.doesNotMatch(home, /editor\.css/);
});

Deno.test("Pages – an unknown address under an API route answers JSON, elsewhere the 404 page", async () => {
  await using duet = await createTestApp();
  for (const path of ["/rooms/a/b", "/ws/a/b", "/healthz/x"]) {
    const response = await duet.request(path);
    assert.equal(response.status, 404, path);
    assert.match(response.headers.get("content-type") ?? "", /application\/json/, path);
    await response.body?.cancel();
  }
  for (const path of ["/nowhere", "/room/a/b"]) {
    const response = await duet.request(path);
    assert.equal(response.status, 404, path);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/, path);
    await response.body?.cancel();
  }
});
