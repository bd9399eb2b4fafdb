import assert from "node:assert/strict";
import { startTestServer } from "./_server.ts";

const KiB = 1024;
// PostgreSQL when the run has one (fast to start), else the embedded database.
const databaseUrl = Deno.env.get("DATABASE_URL");

/** A body of `total` bytes in 16 KiB chunks, made only as they are pulled; counts what was pulled. */
function lazyBody(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
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
  const server = await startTestServer({ databaseUrl, limits: { maxDocumentBytes: 16 * KiB } });
  try {
    const body = "language=python&x=" + "a".repeat(49 * KiB);
    const response = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      redirect: "manual",
    });
    await response.body?.cancel();
    assert.equal(response.status, 413);
  } finally {
    await server.shutdown();
  }
});

Deno.test("POST /rooms – a streamed form body is refused once it passes the limit, not read whole", async () => {
  const server = await startTestServer({ databaseUrl, limits: { maxDocumentBytes: 16 * KiB } });
  try {
    const total = 8 * 1024 * KiB;
    const body = lazyBody(total);
    const response = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.stream,
      redirect: "manual",
    });
    await response.body?.cancel();
    assert.equal(response.status, 413);
    assert.ok(body.pulled() < total / 2, `read ${body.pulled()} of ${total} bytes`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("POST /autocomplete – a body that is not JSON is a 415", async () => {
  const server = await startTestServer({ databaseUrl });
  try {
    const body = JSON.stringify({ code: "pr", cursorPosition: 2, language: "python" });
    const types = ["text/plain", "application/x-www-form-urlencoded", undefined];
    for (const type of types) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const response = await fetch(`${server.url}/autocomplete`, {
        method: "POST",
        headers,
        body: new TextEncoder().encode(body),
      });
      assert.equal(response.status, 415, type);
      const error = (await response.json()).error;
      assert.equal(error.code, "unsupported_media_type");
      assert.match(error.message, /application\/json/);
    }
    const ok = await fetch(`${server.url}/autocomplete`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body,
    });
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  } finally {
    await server.shutdown();
  }
});

async function createRoom(url: string): Promise<string> {
  const response = await fetch(`${url}/rooms`, { method: "POST" });
  assert.equal(response.status, 201);
  return (await response.json()).roomId;
}

Deno.test("GET /rooms/:roomId – the answer is never cached", async () => {
  const server = await startTestServer({ databaseUrl });
  try {
    const roomId = await createRoom(server.url);
    for (const path of [`/rooms/${roomId}`, `/room/${roomId}`]) {
      const response = await fetch(`${server.url}${path}`);
      await response.body?.cancel();
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("cache-control"), "no-store", path);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("HTTP – a method a known path does not take is a 405 that lists the ones it does", async () => {
  const server = await startTestServer({ databaseUrl });
  try {
    const roomId = await createRoom(server.url);
    for (
      const [method, path, allow] of [
        ["DELETE", "/rooms", "POST"],
        ["PUT", `/rooms/${roomId}`, "GET, HEAD"],
        ["POST", `/room/${roomId}`, "GET, HEAD"],
        ["POST", "/healthz", "GET, HEAD"],
        ["GET", "/autocomplete", "POST"],
        ["POST", "/", "GET, HEAD"],
      ] as const
    ) {
      const response = await fetch(`${server.url}${path}`, { method });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get("allow"), allow, `${method} ${path}`);
      const error = (await response.json()).error;
      assert.equal(error.code, "method_not_allowed");
      assert.match(error.message, new RegExp(`^${method} is not allowed here`));
    }
    for (const method of ["GET", "POST", "DELETE"]) {
      const response = await fetch(`${server.url}/no/such/page`, { method });
      await response.body?.cancel();
      assert.equal(response.status, 404, `${method} of an unknown path`);
    }
    const css = await fetch(`${server.url}/styles.css`);
    await css.body?.cancel();
    assert.equal(css.status, 200, "static files are still served");
  } finally {
    await server.shutdown();
  }
});
