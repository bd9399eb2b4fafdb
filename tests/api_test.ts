import assert from "node:assert/strict";
import { MAX_CODE_BYTES } from "../lib/ops/limits.ts";
import { createRoom } from "../testing/rooms.ts";
import { createTestApp } from "./_server.ts";

// Each test calls its own Duet in memory (`app.request()`); requests carry no
// host, so links start with Hono's default origin.
const ORIGIN = "http://localhost";

async function json(response: Response): Promise<Record<string, unknown>> {
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return await response.json();
}

async function expectError(response: Response, status: number, code: string) {
  assert.equal(response.status, status);
  const body = await json(response);
  const error = body.error as { code: string; message: string };
  assert.equal(error.code, code);
  assert.equal(typeof error.message, "string");
  assert.doesNotMatch(error.message, /at .*\.ts:\d+/, "no stack traces");
  return error;
}

Deno.test("POST /rooms – creates a room with defaults and answers 201 with its link", async () => {
  await using duet = await createTestApp();
  const response = await duet.request("/rooms", { method: "POST" });
  assert.equal(response.status, 201);
  const body = await json(response);
  assert.match(body.roomId as string, /^[0-9A-Za-z]{22}$/);
  assert.equal(body.url, `${ORIGIN}/room/${body.roomId}`);
  assert.equal(body.language, "javascript");
  assert.equal(response.headers.get("location"), body.url);
});

Deno.test("POST /rooms – stores the language and code it is given", async () => {
  await using duet = await createTestApp();
  const room = await createRoom(duet, { language: "python", code: "print('hi')\n" });
  assert.equal(room.language, "python");
  const response = await duet.request(`/rooms/${room.roomId}`);
  assert.equal(response.status, 200);
  const body = await json(response);
  assert.equal(body.roomId, room.roomId);
  assert.deepEqual(Object.keys(body).sort(), [
    "access",
    "code",
    "createdAt",
    "language",
    "roomId",
    "updatedAt",
  ]);
  assert.equal(body.access, "edit");
  assert.equal(body.code, "print('hi')\n");
  assert.equal(body.language, "python");
  assert.ok(!Number.isNaN(Date.parse(body.createdAt as string)));
  assert.ok(!Number.isNaN(Date.parse(body.updatedAt as string)));
});

Deno.test("POST /rooms – a form post answers 303 to the room page", async () => {
  await using duet = await createTestApp();
  const response = await duet.request("/rooms", {
    method: "POST",
    body: new URLSearchParams({ language: "rust" }),
    redirect: "manual",
  });
  await response.body?.cancel();
  assert.equal(response.status, 303);
  const location = response.headers.get("location") ?? "";
  // The owner key rides in the fragment, which browsers never send to a server.
  assert.match(location, /^\/room\/[0-9A-Za-z]{22}#owner=[0-9A-Za-z]{22}$/);
  const room = await json(await duet.request(`/rooms/${location.slice(6, 28)}`));
  assert.equal(room.language, "rust");
});

Deno.test("POST /rooms – bad input is a 400 with a JSON error", async () => {
  await using duet = await createTestApp();
  // An API client asks for JSON; a browser's form post gets a page (tests/http_test.ts).
  const post = (body: string, type = "application/json") =>
    duet.request("/rooms", {
      method: "POST",
      headers: { "content-type": type, accept: "application/json" },
      body,
    });
  await expectError(await post("{not json"), 400, "invalid_json");
  const unknown = await expectError(await post('{"language":"cobol"}'), 400, "validation_failed");
  assert.ok(JSON.stringify(unknown).includes("cobol"));
  await expectError(await post('{"code":42}'), 400, "validation_failed");
  await expectError(await post("[1,2]"), 400, "validation_failed");
  await expectError(
    await post("language=cobol", "application/x-www-form-urlencoded"),
    400,
    "bad_request",
  );
  await expectError(await post("hello", "text/plain"), 415, "unsupported_media_type");
});

Deno.test("POST /rooms – code over the size limit is refused", async () => {
  await using duet = await createTestApp();
  const code = "x".repeat(MAX_CODE_BYTES + 1);
  const response = await duet.request("/rooms", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  const error = await expectError(response, 400, "validation_failed");
  assert.match(JSON.stringify(error), /at most/);
});

Deno.test("POST /rooms – a body far over the limit is a 413", async () => {
  await using duet = await createTestApp();
  const response = await duet.request("/rooms", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x".repeat(7 * MAX_CODE_BYTES),
  });
  await expectError(response, 413, "payload_too_large");
});

Deno.test("GET /rooms/:roomId – unknown and malformed ids are 404 JSON", async () => {
  await using duet = await createTestApp();
  await expectError(await duet.request("/rooms/AAAAAAAAAAAAAAAAAAAAAA"), 404, "not_found");
  await expectError(await duet.request("/rooms/not-an-id"), 404, "not_found");
  await expectError(await duet.request(`/rooms/${"x".repeat(5000)}`), 404, "not_found");
});

Deno.test("GET /room/:roomId – the page carries the code before any script runs", async () => {
  await using duet = await createTestApp();
  const room = await createRoom(duet, {
    language: "html",
    code: "<script>alert(1)</script>\nhello",
  });
  const response = await duet.request(`/room/${room.roomId}`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  const html = await response.text();
  assert.ok(
    html.includes("&lt;script>alert(1)&lt;/script>") ||
      html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"),
  );
  assert.ok(!html.includes("<script>alert(1)"), "user code is escaped");
  assert.match(html, /data-island="Editor"/);
  assert.match(html, /<script type="module" src="\/build\/Editor-[0-9a-f]{10}\.js"\s*><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline scripts");
});

Deno.test("GET /room/:roomId – unknown and malformed rooms get the 404 page", async () => {
  await using duet = await createTestApp();
  for (const path of ["/room/AAAAAAAAAAAAAAAAAAAAAA", "/room/..%2F..%2Fetc", "/room/x"]) {
    const response = await duet.request(`${path}`, { headers: { accept: "text/html" } });
    assert.equal(response.status, 404, path);
    const html = await response.text();
    assert.match(html, /This room doesn’t exist/);
    assert.match(html, /<form class="create-room" method="post" action="\/rooms">/);
  }
});

Deno.test("GET / – the home page works without JavaScript", async () => {
  await using duet = await createTestApp();
  const response = await duet.request("/");
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.match(html, /<form class="create-room" method="post" action="\/rooms">/);
  assert.match(html, /<button class="button primary" type="submit">Create room<\/button>/);
  assert.doesNotMatch(html, /<script/i, "the home page ships no JavaScript");
});

Deno.test("Pages – carry the security headers: home, room and 404 pages", async () => {
  await using duet = await createTestApp();
  const room = await createRoom(duet);
  for (
    const [path, status] of [
      ["/", 200],
      [`/room/${room.roomId}`, 200],
      ["/room/AAAAAAAAAAAAAAAAAAAAAA", 404],
      ["/no/such/page", 404],
    ] as const
  ) {
    const response = await duet.request(`${path}`, { headers: { accept: "text/html" } });
    await response.body?.cancel();
    assert.equal(response.status, status, path);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/, path);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.equal(response.headers.get("referrer-policy"), "no-referrer", path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(response.headers.get("x-frame-options"), "DENY", path);
  }
});

Deno.test("GET /ws/:roomId – refuses non-upgrade requests and unknown rooms before upgrading", async () => {
  await using duet = await createTestApp();
  const room = await createRoom(duet);
  await expectError(await duet.request(`/ws/${room.roomId}`), 400, "bad_request");
  const unknown = await duet.request("/ws/AAAAAAAAAAAAAAAAAAAAAA", {
    headers: { upgrade: "websocket", connection: "upgrade" },
  });
  await expectError(unknown, 404, "not_found");
});

Deno.test("POST /autocomplete – answers a suggestion string", async () => {
  await using duet = await createTestApp();
  const code = "const document_title = 1;\ndocu";
  const response = await duet.request("/autocomplete", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, cursorPosition: code.length, language: "javascript" }),
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await json(response), { suggestion: "ment_title" });
});

Deno.test("POST /autocomplete – bad input is a 400, never a 500", async () => {
  await using duet = await createTestApp();
  const post = (body: unknown) =>
    duet.request("/autocomplete", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  await expectError(await post("{"), 400, "invalid_json");
  await expectError(await post({}), 400, "validation_failed");
  await expectError(
    await post({ code: "ab", cursorPosition: 3, language: "go" }),
    400,
    "validation_failed",
  );
  await expectError(
    await post({ code: "ab", cursorPosition: -1, language: "go" }),
    400,
    "validation_failed",
  );
  await expectError(
    await post({ code: "ab", cursorPosition: 1, language: "cobol" }),
    400,
    "validation_failed",
  );
  await expectError(
    await post({ code: 5, cursorPosition: 0, language: "go" }),
    400,
    "validation_failed",
  );
  // Far past the 256 KiB body limit of /autocomplete.
  await expectError(
    await post({ code: "x".repeat(MAX_CODE_BYTES + 1), cursorPosition: 0, language: "go" }),
    413,
    "payload_too_large",
  );
});

Deno.test("GET /healthz – 200 when the database answers", async () => {
  await using duet = await createTestApp();
  const response = await duet.request("/healthz");
  assert.equal(response.status, 200);
  assert.equal((await json(response)).status, "ok");
});

Deno.test("Static files – bundles are gzipped and cached for a year", async () => {
  await using duet = await createTestApp();
  const html = await (await duet.request(`/room/${(await createRoom(duet)).roomId}`)).text();
  const src = html.match(/src="(\/build\/Editor-[0-9a-f]+\.js)"/)?.[1];
  assert.ok(src);
  const response = await duet.request(src, { headers: { "accept-encoding": "gzip" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.match(response.headers.get("content-type") ?? "", /javascript/);
  assert.ok((await response.arrayBuffer()).byteLength > 0);
  const etag = response.headers.get("etag");
  const again = await duet.request(src, { headers: { "if-none-match": etag! } });
  await again.body?.cancel();
  assert.equal(again.status, 304);
});

Deno.test("Unknown addresses – 404 page for browsers, JSON for the API", async () => {
  await using duet = await createTestApp();
  const page = await duet.request("/nope", { headers: { accept: "text/html" } });
  assert.equal(page.status, 404);
  assert.match(await page.text(), /<html/);
  await expectError(await duet.request("/rooms/x/y"), 404, "not_found");
});

Deno.test("GET /room/:roomId – a big room's page is sent gzipped", async () => {
  await using duet = await createTestApp();
  const room = await createRoom(duet, { code: "const x = 1;\n".repeat(5_000) });
  const response = await duet.request(`/room/${room.roomId}`, {
    headers: { "accept-encoding": "gzip" },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-encoding"), "gzip");
  const html = await new Response(
    response.body!.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  assert.ok(html.includes("const x = 1;"), "the page still carries the code");
});
