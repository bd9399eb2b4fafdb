import assert from "node:assert/strict";
import { createRoom as postRoom, type HttpTarget, requestFrom } from "../testing/rooms.ts";
import { FakeClock } from "./_fake_clock.ts";
import { openRawSocket } from "./_raw_socket.ts";
import {
  capturingLogger,
  createTestApp,
  startTestServer,
  type TestServerOptions,
} from "./_server.ts";
import { type Client, connect } from "./_socket_client.ts";
import { waitFor } from "./_wait.ts";

// Each test starts its own Duet with the limits it needs and its own log, so
// it counts only what it did itself.

async function createRoom(target: HttpTarget, code = ""): Promise<string> {
  return (await postRoom(target, { code })).roomId;
}

async function roomCode(target: HttpTarget, roomId: string): Promise<string> {
  return (await (await requestFrom(target, `/rooms/${roomId}`)).json()).code;
}

async function health(target: HttpTarget): Promise<{ openRooms: number; connections: number }> {
  return await (await requestFrom(target, "/healthz")).json();
}

/** `duet_rejections_total` for one reason, from `GET /metrics`. */
async function rejections(target: HttpTarget, reason: string): Promise<number> {
  const text = await (await requestFrom(target, "/metrics")).text();
  const match = text.match(
    new RegExp(`^duet_rejections_total\\{reason="${reason}"\\} (\\d+)$`, "m"),
  );
  return match ? Number(match[1]) : 0;
}

function rejectedLines(lines: Record<string, unknown>[], reason: string) {
  return lines.filter((line) =>
    (line.event === "connection_rejected" || line.event === "request_rejected") &&
    line.reason === reason
  );
}

async function allClosed(target: HttpTarget): Promise<void> {
  await waitFor(async () => {
    const { openRooms, connections } = await health(target);
    return openRooms === 0 && connections === 0;
  }, "every connection and room to be gone");
}

// ---------------------------------------------------------------------------
// The live-sync socket, with small limits so that each is quick to reach.

const SECRET = "SECRET-ROOM-CONTENT";
const SOCKET_LIMITS: TestServerOptions = {
  keepAliveMs: 1_000,
  allowedOrigins: ["https://ide.example.org"],
  limits: {
    maxMessageBytes: 64 * 1024,
    maxDocumentBytes: 8 * 1024,
    maxPeoplePerRoom: 3,
    maxConnectionsPerAddress: 8,
    messagesPerSecond: 20,
  },
};

Deno.test("Limits – a message over DUET_MAX_MESSAGE_BYTES closes its connection (1009), no other", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server, SECRET);
  const alice = connect(server, roomId);
  const mallory = connect(server, roomId);
  try {
    await Promise.all([alice.joined, mallory.joined]);
    mallory.socket.send(new Uint8Array(64 * 1024 + 1));
    const event = await mallory.closed;
    assert.equal(event.code, 1009);
    assert.match(event.reason, /too large to send \(over 64 KiB\)/);
    alice.socket.send(alice.peer.edit((text) => text.insert(0, "still here ")));
    await waitFor(
      async () => (await roomCode(server, roomId)).startsWith("still here"),
      "the room to go on",
    );
    assert.equal(alice.socket.readyState, WebSocket.OPEN);
    assert.equal(rejectedLines(lines, "message_too_large").length, 1, "logged once");
    assert.equal(await rejections(server, "message_too_large"), 1);
  } finally {
    alice.close();
    mallory.close();
  }
});

Deno.test("Limits – an update past DUET_MAX_DOCUMENT_BYTES is refused (4413) and not applied", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server, "x".repeat(8_000));
  const alice = connect(server, roomId);
  const bob = connect(server, roomId);
  try {
    await Promise.all([alice.joined, bob.joined]);
    await waitFor(() => alice.peer.text.length === 8_000, "Alice to sync");
    alice.socket.send(alice.peer.edit((text) => text.insert(0, "y".repeat(300))));
    const event = await alice.closed;
    assert.equal(event.code, 4413);
    assert.match(event.reason, /^This room has reached its size limit \(8 KiB\)/);
    assert.equal(await roomCode(server, roomId), "x".repeat(8_000));
    assert.equal(bob.peer.text, "x".repeat(8_000), "nothing reached the others");
    assert.equal(bob.socket.readyState, WebSocket.OPEN);
    // Deleting still works, and makes room.
    bob.socket.send(bob.peer.edit((text) => text.delete(0, 1_000)));
    bob.socket.send(bob.peer.edit((text) => text.insert(0, "z".repeat(500))));
    await waitFor(
      async () => (await roomCode(server, roomId)).length === 7_500,
      "the smaller document",
    );
    assert.equal(rejectedLines(lines, "document_too_large").length, 1);

    // POST /rooms holds new rooms to the same limit.
    const response = await fetch(`${server.url}/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "x".repeat(8 * 1024 + 1) }),
    });
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(await response.json()), /at most 8192 bytes \(8 KiB\)/);
  } finally {
    alice.close();
    bob.close();
  }
});

Deno.test("Limits – the person past DUET_MAX_PEOPLE_PER_ROOM is turned away (4429)", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server);
  const people = [0, 1, 2].map(() => connect(server, roomId));
  const late: Client[] = [];
  try {
    await Promise.all(people.map((person) => person.joined));
    late.push(connect(server, roomId));
    const event = await late[0].closed;
    assert.equal(event.code, 4429);
    assert.equal(event.reason, "Room is full (3 people)");
    assert.ok(people.every((person) => person.socket.readyState === WebSocket.OPEN));

    people[0].close();
    await people[0].closed;
    await waitFor(async () => (await health(server)).connections === 2, "one to leave");
    late.push(connect(server, roomId));
    await late[1].joined;
    late[1].socket.send(late[1].peer.edit((text) => text.insert(0, "in")));
    await waitFor(() => people[1].peer.text === "in", "the late person's edit to arrive");
    assert.equal(late[1].socket.readyState, WebSocket.OPEN, "a free place can be taken");
    assert.equal(rejectedLines(lines, "room_full").length, 1);
  } finally {
    for (const person of [...people, ...late]) person.close();
  }
});

Deno.test("Limits – connections past DUET_MAX_CONNECTIONS_PER_ADDRESS get 429 before upgrading", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const rooms = [
    await createRoom(server),
    await createRoom(server),
    await createRoom(server),
  ];
  const clients = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => connect(server, rooms[i % 3]));
  try {
    await Promise.all(clients.map((client) => client.joined));
    const response = await fetch(`${server.url}/ws/${rooms[2]}`, {
      headers: { upgrade: "websocket", connection: "upgrade" },
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "10");
    const body = await response.json();
    assert.equal(body.error.code, "too_many_requests");
    assert.match(body.error.message, /Too many connections from your address \(8\)/);

    clients[0].close();
    await waitFor(async () => (await health(server)).connections === 7, "one to close");
    const again = connect(server, rooms[2]);
    clients.push(again);
    await again.joined;
    const [line] = rejectedLines(lines, "too_many_connections");
    assert.equal(line.status, 429);
    assert.equal(line.address, "127.0.0.1");
  } finally {
    for (const client of clients) client.close();
  }
});

Deno.test("Limits – a flood is throttled, then closed (1008); the others are not slowed", async () => {
  const { logger, lines } = capturingLogger();
  // The throttles' time moves only when the test moves it.
  const clock = new FakeClock();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger, hubClock: clock });
  const roomId = await createRoom(server);
  const alice = connect(server, roomId);
  const bob = connect(server, roomId);
  const mallory = connect(server, roomId);
  // Presence queries are answered with presence (1); Bob's edit reaches Mallory as sync (0).
  const answers = () => mallory.received.filter((message) => message[0] === 1).length;
  try {
    await Promise.all([alice.joined, bob.joined, mallory.joined]);
    // One query answered means Mallory's handshake is handled; then her bucket refills.
    mallory.socket.send(Uint8Array.of(3));
    await waitFor(() => answers() === 1, "the first answer");
    await clock.tick(2_000);
    // 70 presence queries: 40 (the burst) are answered at once, 30 wait their turn at 20 a second.
    for (let i = 0; i < 70; i++) mallory.socket.send(Uint8Array.of(3));
    await waitFor(() => answers() === 1 + 40, "the burst to be answered");
    // Mallory's queue waits on a clock that does not move; Bob's edit does not wait for it.
    bob.socket.send(bob.peer.edit((text) => text.insert(0, "hello")));
    await waitFor(() => alice.peer.text === "hello", "Bob's edit at Alice");
    await waitFor(() => mallory.peer.text === "hello", "Bob's edit at Mallory");
    assert.equal(answers(), 1 + 40, "the other 30 wait their turn");
    await clock.tick(1_500);
    await waitFor(() => answers() === 1 + 70, "the queued queries to be answered");
    assert.equal(mallory.socket.readyState, WebSocket.OPEN, "throttled, not dropped");

    // Past the queue's bound (another burst's worth) the connection is closed.
    await clock.tick(2_000);
    for (let i = 0; i < 200; i++) mallory.socket.send(Uint8Array.of(3));
    const event = await mallory.closed;
    // The server closes with 1008; unless the client is still writing, which
    // makes the server's TCP stack reset the connection (seen as 0 or 1006).
    if (event.code === 1008) assert.match(event.reason, /Too many messages/);
    else assert.ok([0, 1006].includes(event.code), `closed with ${event.code}`);
    const [line] = rejectedLines(lines, "message_flood");
    assert.equal(line.closeCode, 1008);
    assert.equal(line.detail, "Too many messages: slow down");
    assert.equal(rejectedLines(lines, "message_flood").length, 1, "logged once");
    assert.equal(alice.socket.readyState, WebSocket.OPEN);
  } finally {
    for (const client of [alice, bob, mallory]) client.close();
  }
});

Deno.test("Limits – malformed frames close only their own connection (1007, 1003)", async () => {
  await using server = await startTestServer(SOCKET_LIMITS);
  const roomId = await createRoom(server, "safe");
  const alice = connect(server, roomId);
  try {
    await alice.joined;
    const frames: [Uint8Array | string, number][] = [
      ["text, not binary", 1003],
      [new Uint8Array(), 1007],
      [Uint8Array.of(9), 1003],
      [Uint8Array.of(0, 2, 250, 1, 2), 1007],
      [Uint8Array.of(0, 7, 1), 1007],
      [Uint8Array.of(1, 200, 1, 0), 1007],
      [Uint8Array.of(0, 0, 1, 0, 42), 1007],
      [Uint8Array.of(0, 2, 10, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 5, 0, 0, 0, 0), 1007],
    ];
    for (const [frame, code] of frames) {
      const mallory = connect(server, roomId);
      await mallory.joined;
      mallory.socket.send(frame);
      const event = await mallory.closed;
      assert.equal(event.code, code, String(frame));
      mallory.close();
    }
    alice.socket.send(alice.peer.edit((text) => text.insert(4, "!")));
    await waitFor(
      async () => (await roomCode(server, roomId)) === "safe!",
      "the room to go on",
    );
    assert.equal(alice.socket.readyState, WebSocket.OPEN);
  } finally {
    alice.close();
  }
});

Deno.test("Limits – presence with a bad colour is relayed without it, logged and counted", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server);
  const mallory = connect(server, roomId);
  const bob = connect(server, roomId);
  const before = await rejections(server, "presence_field_dropped");
  try {
    await Promise.all([mallory.joined, bob.joined]);
    mallory.socket.send(
      mallory.peer.presence({
        user: { name: "M", color: "red;background:url(//x)" },
        activity: "typing",
      }),
    );
    await waitFor(
      () => bob.peer.awareness.getStates().has(mallory.peer.doc.clientID),
      "Mallory's presence at Bob",
    );
    assert.deepEqual(bob.peer.awareness.getStates().get(mallory.peer.doc.clientID), {
      activity: "typing",
    });
    assert.equal(await rejections(server, "presence_field_dropped"), before + 1);
    const logged = lines.filter((line) =>
      line.event === "presence_field_dropped" && line.roomId === roomId
    );
    assert.equal(logged.length, 1);
    assert.equal(logged[0].field, "user");
    assert.match(String(logged[0].detail), /user\.color must be #rrggbb/);
    assert.equal(mallory.socket.readyState, WebSocket.OPEN);
  } finally {
    mallory.close();
    bob.close();
  }
});

Deno.test("Limits – the upgrade refuses other sites' pages (403) and lets the rest in", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server);
  const refused = await fetch(`${server.url}/ws/${roomId}`, {
    headers: { upgrade: "websocket", connection: "upgrade", origin: "https://evil.example" },
  });
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error.code, "forbidden");
  const url = `${server.url.replace("http", "ws")}/ws/${roomId}`;
  const port = new URL(server.url).port;
  for (
    const [origin, status] of [
      [server.url, "101"],
      ["https://ide.example.org", "101"],
      [undefined, "101"],
      [`http://localhost:${port}`, "403"],
      ["null", "403"],
    ] as const
  ) {
    const raw = await openRawSocket(url, { headers: origin ? { origin } : {} });
    assert.match(raw.head, new RegExp(`^HTTP/1.1 ${status} `), String(origin));
    raw.close();
  }
  assert.equal(rejectedLines(lines, "origin_refused").length, 3);
});

Deno.test("Limits – a connection that never answers pings is closed and its room leaves memory", async () => {
  // Only here: on a loaded machine a 1 s ping deadline can close healthy sockets too.
  await using server = await startTestServer({
    ...SOCKET_LIMITS,
    limits: { ...SOCKET_LIMITS.limits, idleTimeoutSeconds: 1 },
  });
  const roomId = await createRoom(server);
  const raw = await openRawSocket(`${server.url.replace("http", "ws")}/ws/${roomId}`);
  try {
    assert.match(raw.head, /^HTTP\/1.1 101 /);
    await waitFor(async () => (await health(server)).openRooms === 1, "the room to open");
    // Reads everything, answers nothing: the idle timeout (1 s) pings, then closes.
    await raw.drain();
    await allClosed(server);
    assert.ok(await rejections(server, "idle_timeout") >= 1);
  } finally {
    raw.close();
  }
});

Deno.test("Limits – log lines name a reason and never carry room contents", async () => {
  const { logger, lines } = capturingLogger();
  await using server = await startTestServer({ ...SOCKET_LIMITS, logger });
  const roomId = await createRoom(server, SECRET);
  const frames: (Uint8Array | string)[] = [
    new Uint8Array(64 * 1024 + 1),
    `text ${SECRET}`,
    Uint8Array.of(9),
    Uint8Array.of(0, 2, 250, 1, 2),
  ];
  for (const frame of frames) {
    const mallory = connect(server, roomId);
    try {
      await mallory.joined;
      await waitFor(() => mallory.peer.text === SECRET, "the room's text to arrive");
      mallory.socket.send(frame);
      await mallory.closed;
    } finally {
      mallory.close();
    }
  }
  const refusals = () => lines.filter((line) => line.event === "connection_rejected");
  await waitFor(() => refusals().length === frames.length, "every refusal to be logged");
  for (const line of refusals()) {
    assert.equal(typeof line.reason, "string");
    assert.equal(typeof line.closeCode, "number");
  }
  for (const line of lines) assert.ok(!JSON.stringify(line).includes(SECRET));
});

// ---------------------------------------------------------------------------
// A client that never reads its socket.

Deno.test("Limits – a client that never reads is dropped past DUET_MAX_BUFFERED_BYTES", async () => {
  await using server = await startTestServer({ limits: { maxBufferedBytes: 256 * 1024 } });
  const roomId = await createRoom(server);
  const slow = await openRawSocket(`${server.url.replace("http", "ws")}/ws/${roomId}`);
  const writer = connect(server, roomId);
  try {
    assert.match(slow.head, /^HTTP\/1.1 101 /);
    await writer.joined;
    // Each insert and delete is broadcast to the slow client, which never reads:
    // the kernel's buffers fill, then Duet's.
    const chunk = "a".repeat(400_000);
    for (let i = 0; i < 40 && await rejections(server, "too_slow") === 0; i++) {
      writer.socket.send(writer.peer.edit((text) => text.insert(0, chunk)));
      writer.socket.send(writer.peer.edit((text) => text.delete(0, chunk.length)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(async () => await rejections(server, "too_slow") === 1, "the slow client to go");
    writer.socket.send(writer.peer.edit((text) => text.insert(0, "done")));
    await waitFor(async () => (await roomCode(server, roomId)) === "done", "the room to go on");
    assert.equal(writer.socket.readyState, WebSocket.OPEN);
  } finally {
    slow.close();
    writer.close();
    await waitFor(async () => (await health(server)).connections === 0, "sockets to close");
    await waitFor(async () => (await health(server)).openRooms === 0, "the room to leave memory");
  }
});

// ---------------------------------------------------------------------------
// The HTTP API's limits, and the metrics they show up in: the app in memory.

const HTTP_LIMITS: TestServerOptions = {
  limits: { roomsPerMinute: 3, autocompletePerMinute: 3, autocompleteMaxBytes: 2048 },
};

Deno.test("Limits – rooms created past DUET_ROOMS_PER_MINUTE get 429 with Retry-After", async () => {
  const { logger, lines } = capturingLogger();
  await using duet = await createTestApp({ ...HTTP_LIMITS, logger });
  for (let i = 0; i < 3; i++) {
    const response = await duet.request("/rooms", { method: "POST" });
    await response.body?.cancel();
    assert.equal(response.status, 201);
  }
  const refused = await duet.request("/rooms", { method: "POST" });
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter}`);
  const body = await refused.json();
  assert.equal(body.error.code, "too_many_requests");
  assert.match(body.error.message, /Too many new rooms from your address \(3 a minute\)/);
  const form = await duet.request("/rooms", {
    method: "POST",
    body: new URLSearchParams({ language: "go" }),
    redirect: "manual",
  });
  await form.body?.cancel();
  assert.equal(form.status, 429, "the home page's form too");
  const refusals = rejectedLines(lines, "room_creation_rate");
  assert.equal(refusals.length, 2, "logged once each");
  assert.equal(refusals[0].status, 429);
});

Deno.test("Limits – /autocomplete refuses big bodies (413) and floods (429)", async () => {
  const { logger, lines } = capturingLogger();
  await using duet = await createTestApp({ ...HTTP_LIMITS, logger });
  const post = (body: string) =>
    duet.request("/autocomplete", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  const big = await post(
    JSON.stringify({ code: "x".repeat(3_000), cursorPosition: 0, language: "go" }),
  );
  assert.equal(big.status, 413);
  assert.match((await big.json()).error.message, /at most 2048 bytes \(2 KiB\)/);
  const ok = JSON.stringify({ code: "fo", cursorPosition: 2, language: "python" });
  for (let i = 0; i < 2; i++) {
    const response = await post(ok);
    await response.body?.cancel();
    assert.equal(response.status, 200);
  }
  const refused = await post(ok);
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal((await refused.json()).error.code, "too_many_requests");
  assert.equal(rejectedLines(lines, "body_too_large").length, 1);
  assert.equal(rejectedLines(lines, "autocomplete_rate").length, 1);
});

Deno.test("Metrics – GET /metrics answers the Prometheus text format 0.0.4", async () => {
  await using duet = await createTestApp(HTTP_LIMITS);
  // Refusals to count: two rooms past the limit of 3, one completion past its 3.
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await duet.request("/rooms", { method: "POST" });
    await response.body?.cancel();
    statuses.push(response.status);
  }
  for (let i = 0; i < 4; i++) {
    const response = await duet.request("/autocomplete", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "fo", cursorPosition: 2, language: "python" }),
    });
    await response.body?.cancel();
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [201, 201, 201, 429, 429, 200, 200, 200, 429]);
  const response = await duet.request("/metrics");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  assert.ok(text.endsWith("\n"));
  const types = new Map<string, string>();
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const LABELS =
    `\\{(${NAME}="(?:[^"\\\\\\n]|\\\\[\\\\n"])*"(,${NAME}="(?:[^"\\\\\\n]|\\\\[\\\\n"])*")*)?\\}`;
  const sample = new RegExp(`^(${NAME})(${LABELS})? (-?[0-9.e+-]+|\\+Inf|-Inf|NaN)$`);
  for (const line of text.trimEnd().split("\n")) {
    const type = line.match(
      new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`),
    );
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (new RegExp(`^# HELP ${NAME} .*$`).test(line)) continue;
    const match = line.match(sample);
    assert.ok(match, `not a sample line: ${line}`);
    const family = match[1].replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(match[1]) || types.get(family) === "histogram", `untyped ${match[1]}`);
  }
  for (
    const [name, type] of [
      ["duet_open_rooms", "gauge"],
      ["duet_connections", "gauge"],
      ["duet_updates_in_total", "counter"],
      ["duet_updates_out_total", "counter"],
      ["duet_rejections_total", "counter"],
      ["duet_commit_batch_updates", "histogram"],
      ["duet_commit_seconds", "histogram"],
      ["duet_log_rows_pending", "gauge"],
      ["duet_bus_lag_seconds", "histogram"],
    ]
  ) assert.equal(types.get(name), type, name);
  assert.match(text, /^duet_rejections_total\{reason="room_creation_rate"\} 2$/m);
  assert.match(text, /^duet_rejections_total\{reason="autocomplete_rate"\} 1$/m);
  assert.match(text, /^duet_commit_seconds_bucket\{le="\+Inf"\} \d+$/m);
});
