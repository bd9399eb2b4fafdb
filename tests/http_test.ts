import assert from "node:assert/strict";
import { createRoom } from "../testing/rooms.ts";
import { createTestApp } from "./_server.ts";

const KiB = 1024;

/** A form body of `total` bytes in 16 KiB chunks, made only as they are pulled; counts what was pulled. */
function lazyFormBody(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode("language=python&x=" + "a".repeat(16 * KiB - 18));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk.slice());
    },
  });
  return { stream, pulled: () => sent };
}

Deno.test("POST /rooms – a form body over the limit is a 413 from its Content-Length", async () => {
  await using duet = await createTestApp({ limits: { maxDocumentBytes: 16 * KiB } });
  const body = "language=python&x=" + "a".repeat(49 * KiB);
  const response = await duet.request("/rooms", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(body.length),
    },
    body,
  });
  await response.body?.cancel();
  assert.equal(response.status, 413);
});

Deno.test("POST /rooms – a streamed form body is refused once it passes the limit, not read whole", async () => {
  await using duet = await createTestApp({ limits: { maxDocumentBytes: 16 * KiB } });
  const total = 8 * 1024 * KiB;
  const body = lazyFormBody(total);
  const response = await duet.request("/rooms", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: body.stream,
    duplex: "half",
  } as RequestInit);
  await response.body?.cancel();
  assert.equal(response.status, 413);
  assert.ok(body.pulled() <= 3 * 16 * KiB + 32 * KiB, `read ${body.pulled()} of ${total} bytes`);
});

Deno.test("POST /autocomplete – a body that is not JSON is a 415", async () => {
  await using duet = await createTestApp();
  const body = JSON.stringify({ code: "pr", cursorPosition: 2, language: "python" });
  const types = ["text/plain", "application/x-www-form-urlencoded", undefined];
  for (const type of types) {
    // An API client: it asks for JSON (a browser's form post would get a page).
    const headers: Record<string, string> = { accept: "application/json" };
    if (type) headers["content-type"] = type;
    const response = await duet.request("/autocomplete", {
      method: "POST",
      headers,
      body: new TextEncoder().encode(body),
    });
    assert.equal(response.status, 415, type);
    const error = (await response.json()).error;
    assert.equal(error.code, "unsupported_media_type");
    assert.match(error.message, /application\/json/);
  }
  const ok = await duet.request("/autocomplete", {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body,
  });
  await ok.body?.cancel();
  assert.equal(ok.status, 200);
});

Deno.test("GET /rooms/:roomId – the answer is never cached", async () => {
  await using duet = await createTestApp();
  const { roomId } = await createRoom(duet);
  for (const path of [`/rooms/${roomId}`, `/room/${roomId}`]) {
    const response = await duet.request(path);
    await response.body?.cancel();
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("cache-control"), "no-store", path);
  }
});

Deno.test("HTTP – a method a known path does not take is a 405 that lists the ones it does", async () => {
  await using duet = await createTestApp();
  const { roomId } = await createRoom(duet);
  for (
    const [method, path, allow] of [
      ["DELETE", "/rooms", "POST"],
      ["PUT", `/rooms/${roomId}`, "GET, HEAD, DELETE"],
      ["POST", `/room/${roomId}`, "GET, HEAD"],
      ["POST", "/healthz", "GET, HEAD"],
      ["GET", "/autocomplete", "POST"],
      ["POST", "/", "GET, HEAD"],
    ] as const
  ) {
    const response = await duet.request(path, { method });
    assert.equal(response.status, 405, `${method} ${path}`);
    assert.equal(response.headers.get("allow"), allow, `${method} ${path}`);
    const error = (await response.json()).error;
    assert.equal(error.code, "method_not_allowed");
    assert.match(error.message, new RegExp(`^${method} is not allowed here`));
  }
  for (const method of ["GET", "POST", "DELETE"]) {
    const response = await duet.request("/no/such/page", { method });
    await response.body?.cancel();
    assert.equal(response.status, 404, `${method} of an unknown path`);
  }
  const css = await duet.request("/styles.css");
  await css.body?.cancel();
  assert.equal(css.status, 200, "static files are still served");
});

const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** Checks an HTML error page: status, reason, a way back, and no JSON. */
async function expectErrorPage(
  response: Response,
  status: number,
  reason: RegExp,
): Promise<string> {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  const html = await response.text();
  assert.match(html, reason);
  assert.match(html, /<a class="button" href="\/">Back to the home page<\/a>/);
  assert.match(html, /<link rel="stylesheet" href="\/styles.css"/, "styled like the app");
  assert.doesNotMatch(html, /"error":\s*\{/, "no raw JSON");
  return html;
}

Deno.test("POST /rooms – a refused form post gets a page that says why, when to retry and a way back", async () => {
  await using duet = await createTestApp({
    limits: { roomsPerMinute: 3, maxDocumentBytes: 16 * KiB },
  });
  const unknown = await duet.request("/rooms", {
    method: "POST",
    headers: FORM,
    body: "language=cobol",
  });
  await expectErrorPage(unknown, 400, /Unknown language &quot;cobol&quot;/);

  const big = "language=python&x=" + "a".repeat(64 * KiB);
  const tooLarge = await duet.request("/rooms", {
    method: "POST",
    headers: { ...FORM, "content-length": String(big.length) },
    body: big,
  });
  await expectErrorPage(tooLarge, 413, /Request body must be at most 49152 bytes \(48 KiB\)/);

  const created = await duet.request("/rooms", { method: "POST", headers: FORM, body: "" });
  await created.body?.cancel();
  assert.equal(created.status, 303);
  const limited = await duet.request("/rooms", { method: "POST", headers: FORM, body: "" });
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  await expectErrorPage(limited, 429, /You can try again in (a minute|\d+ seconds|a second)\./);
});

Deno.test("POST /rooms – API clients keep the JSON error shape", async () => {
  await using duet = await createTestApp();
  const asJson = await duet.request("/rooms", {
    method: "POST",
    headers: { ...FORM, accept: "application/json" },
    body: "language=cobol",
  });
  assert.equal(asJson.status, 400);
  assert.equal((await asJson.json()).error.code, "bad_request");
  const jsonBody = await duet.request("/rooms", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ language: "cobol" }),
  });
  assert.equal(jsonBody.status, 400);
  assert.equal((await jsonBody.json()).error.code, "validation_failed");
});

Deno.test("404 – an unknown path says page not found; an unknown room keeps the room wording", async () => {
  await using duet = await createTestApp();
  const page = await duet.request("/no/such/page", { headers: { accept: "text/html" } });
  assert.equal(page.status, 404);
  const pageHtml = await page.text();
  assert.match(pageHtml, /<h1>Page not found<\/h1>/);
  assert.doesNotMatch(pageHtml, /room doesn’t exist/);
  const room = await duet.request("/room/AAAAAAAAAAAAAAAAAAAAAA", {
    headers: { accept: "text/html" },
  });
  assert.equal(room.status, 404);
  assert.match(await room.text(), /<h1>This room doesn’t exist<\/h1>/);
});

Deno.test("GET /room/:roomId – the page carries the code once", async () => {
  await using duet = await createTestApp();
  const marker = "unique_marker_" + crypto.randomUUID().replaceAll("-", "");
  const { roomId } = await createRoom(duet, { language: "python", code: `print("${marker}")\n` });
  const response = await duet.request(`/room/${roomId}`);
  const html = await response.text();
  assert.equal(html.split(marker).length - 1, 1, "the code appears once");
  assert.match(html, /data-island-text="code"/);
});

Deno.test("GET /room/:id – rendering big rooms is metered per address by their size (DUET_PAGE_BYTES_PER_MINUTE)", async () => {
  await using duet = await createTestApp({ limits: { pageBytesPerMinute: 100 * KiB } });
  const big = await createRoom(duet, { language: "python", code: "x = 1\n".repeat(7 * KiB) });
  const small = await createRoom(duet, { language: "python", code: "print(1)\n" });
  const read = (roomId: string, address: string) => duet.request(`/room/${roomId}`, {}, address);
  // 42 KiB of code: two renders fit in 100 KiB, the third does not.
  for (let i = 0; i < 2; i++) {
    const page = await read(big.roomId, "192.0.2.1");
    await page.body?.cancel();
    assert.equal(page.status, 200, `render ${i + 1}`);
  }
  const refused = await read(big.roomId, "192.0.2.1");
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  const html = await expectErrorPage(refused, 429, /Too many room pages from your address/);
  assert.doesNotMatch(html, /x = 1/, "the refused page renders no code");
  // A small room still costs little, and another address has its own allowance.
  const smallPage = await read(small.roomId, "192.0.2.1");
  await smallPage.body?.cancel();
  assert.equal(smallPage.status, 200);
  const other = await read(big.roomId, "192.0.2.2");
  await other.body?.cancel();
  assert.equal(other.status, 200);
  // The JSON API is not metered by this limit.
  const api = await duet.request(`/rooms/${big.roomId}`, {}, "192.0.2.1");
  await api.body?.cancel();
  assert.equal(api.status, 200);
});
