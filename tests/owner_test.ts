/**
 * Links and the owner (issue 12), at the server: read-only links, the owner
 * key over HTTP, lock, rotation, deletion and how long a room is kept —
 * every permission with raw sockets and plain HTTP.
 */
import assert from "node:assert/strict";
import * as decoding from "lib0/decoding";
import { AccessFlag, CloseCode, MessageType } from "../lib/shared/wire.ts";
import { hashOwnerKey, ownerSocketProof } from "../lib/shared/owner_proof.ts";
import type { DuetServer } from "../main.ts";
import { readUntilClose } from "./_close_frame.ts";
import { openRawSocket } from "./_raw_socket.ts";
import { startTestServer, type TestServerOptions } from "./_server.ts";
import { type Client, connect } from "./_socket_client.ts";
import { YjsPeer } from "./_yjs_peer.ts";
import { waitFor } from "./_wait.ts";

/** A test server that shuts down when its scope ends. */
async function serve(options: TestServerOptions = {}): Promise<DuetServer & AsyncDisposable> {
  const server = await startTestServer(options);
  return { ...server, [Symbol.asyncDispose]: () => server.shutdown() };
}

interface CreatedRoom {
  roomId: string;
  url: string;
  viewUrl: string;
  ownerKey: string;
}

async function createRoom(server: DuetServer, code = "hello\n"): Promise<
  CreatedRoom & {
    viewId: string;
  }
> {
  const response = await fetch(`${server.url}/rooms`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  assert.equal(response.status, 201);
  const room = await response.json() as CreatedRoom;
  return { ...room, viewId: room.viewUrl.split("/").at(-1)! };
}

async function codeOf(server: DuetServer, linkId: string): Promise<string> {
  const response = await fetch(`${server.url}/rooms/${linkId}/code`);
  assert.equal(response.status, 200);
  return await response.text();
}

function owner(server: DuetServer, room: CreatedRoom, key = room.ownerKey) {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}/rooms/${room.roomId}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    settings: async (change: Record<string, unknown>) => {
      const response = await call("PATCH", "/settings", change);
      assert.equal(response.status, 200);
      return await response.json();
    },
    rotate: async (link: "edit" | "view") => {
      const response = await call("POST", "/rotate", { link });
      assert.equal(response.status, 200);
      return await response.json();
    },
    call,
  };
}

/** The access messages (type 101) a client received, as flag numbers. */
function accessFlags(client: Client): number[] {
  return client.received.filter((message) => message[0] === MessageType.access).map((message) => {
    const decoder = decoding.createDecoder(message);
    decoding.readVarUint(decoder);
    return decoding.readVarUint(decoder);
  });
}

function closeCode(client: Client): Promise<number> {
  return client.closed.then((event) => event.code);
}

/** A raw update message that appends `text` (from a fresh client of its own). */
function appendMessage(text: string): Uint8Array {
  const peer = new YjsPeer();
  const message = peer.edit((code) => code.insert(0, text));
  peer.destroy();
  return message;
}

Deno.test("Links – POST /rooms returns a read-only link and an owner key, each its own random id", async () => {
  await using server = await serve();
  const room = await createRoom(server, "print(1)\n");
  assert.match(room.viewId, /^[0-9A-Za-z]{22}$/);
  assert.match(room.ownerKey, /^[0-9A-Za-z]{22}$/);
  assert.notEqual(room.viewId, room.roomId);
  assert.equal(room.viewUrl, `${server.url}/room/${room.viewId}`);

  // The view id reads the room but never names the edit id.
  const response = await fetch(`${server.url}/rooms/${room.viewId}`);
  const text = await response.text();
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(text).access, "view");
  assert.equal(JSON.parse(text).roomId, room.viewId);
  assert.ok(!text.includes(room.roomId), "the edit id is not in the answer");
  const page = await (await fetch(`${server.url}/room/${room.viewId}`)).text();
  assert.ok(!page.includes(room.roomId), "nor in the read-only page");
  assert.ok(!page.includes(room.ownerKey), "the key is never in a page");

  // GET /rooms/:id/code: the code as text/plain, through either link.
  for (const linkId of [room.roomId, room.viewId]) {
    const code = await fetch(`${server.url}/rooms/${linkId}/code`);
    assert.equal(code.status, 200);
    assert.match(code.headers.get("content-type") ?? "", /^text\/plain; charset=utf-8/);
    assert.equal(await code.text(), "print(1)\n");
  }
  const missing = await fetch(`${server.url}/rooms/${"x".repeat(22)}/code`);
  await missing.body?.cancel();
  assert.equal(missing.status, 404);
});

Deno.test("Links – a read-only connection sees edits live and any change it sends is refused (4403)", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const editor = connect(server, room.roomId);
  const viewer = connect(server, `${room.viewId}?access=1`);
  try {
    await editor.joined;
    await viewer.joined;
    // An honest viewer's sync step 2 (what it already has) is let through.
    editor.socket.send(editor.peer.edit((text) => text.insert(0, "live ")));
    await waitFor(() => viewer.peer.text === "live hello\n", "the edit to reach the viewer");
    assert.deepEqual(accessFlags(viewer), [AccessFlag.viewOnly], "told it may not edit");
    assert.equal(viewer.socket.readyState, WebSocket.OPEN);

    // Viewers' presence is relayed: the others see who watches.
    viewer.socket.send(viewer.peer.presence({ user: { name: "Watcher", color: "#123456" } }));
    await waitFor(
      () =>
        [...editor.peer.awareness.getStates().values()].some((state) =>
          (state as { user?: { name: string } }).user?.name === "Watcher"
        ),
      "the viewer's presence to reach the editor",
    );
  } finally {
    editor.close();
    viewer.close();
  }

  // A hostile client on the read-only link, by hand: refused, nothing changes.
  const raw = await openRawSocket(`${server.url.replace("http", "ws")}/ws/${room.viewId}`);
  assert.match(raw.head, /^HTTP\/1.1 101/);
  await raw.send(appendMessage("HACKED"));
  const frames = await readUntilClose(raw);
  assert.equal(frames.closeCode, CloseCode.readOnly);
  assert.match(frames.closeReason ?? "", /read-only/);
  assert.equal(await codeOf(server, room.roomId), "live hello\n");

  // A forged "step 2" carrying a change is refused the same way.
  const forged = appendMessage("FORGED");
  forged[1] = 1; // sync step 2 instead of update
  const raw2 = await openRawSocket(`${server.url.replace("http", "ws")}/ws/${room.viewId}`);
  await raw2.send(forged);
  assert.equal((await readUntilClose(raw2)).closeCode, CloseCode.readOnly);
  assert.equal(await codeOf(server, room.viewId), "live hello\n");
});

Deno.test("Owner – wrong or missing key: 403 JSON that reads the same for a room that does not exist", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const other = await createRoom(server);
  const nowhere = { ...room, roomId: "Z".repeat(22) };
  const answers: string[] = [];
  for (
    const [target, key] of [
      [room, other.ownerKey],
      [room, ""],
      [room, "not a key"],
      [nowhere, room.ownerKey],
      [{ ...room, roomId: room.viewId }, other.ownerKey],
    ] as const
  ) {
    for (
      const [method, path, body] of [
        ["GET", "/settings", undefined],
        ["PATCH", "/settings", { locked: true }],
        ["POST", "/rotate", { link: "edit" }],
        ["DELETE", "", undefined],
      ] as const
    ) {
      const response = await owner(server, target, key).call(method, path, body);
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      answers.push(JSON.stringify(await response.json()));
    }
  }
  assert.equal(new Set(answers).size, 1, "one answer whatever was wrong");
  assert.equal(JSON.parse(answers[0]).error.code, "forbidden");
  // Nothing changed.
  assert.equal(await codeOf(server, room.roomId), "hello\n");
  const settings = await owner(server, room).call("GET", "/settings");
  assert.equal((await settings.json()).locked, false);
  // Without the Bearer header, too.
  const bare = await fetch(`${server.url}/rooms/${room.roomId}`, { method: "DELETE" });
  assert.equal(bare.status, 403);
  await bare.body?.cancel();
  // A bad body from the owner is a 400, not a change.
  const bad = await owner(server, room).call("PATCH", "/settings", { locked: "yes" });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("Owner – lock: everyone but the owner's connection becomes read-only, live, until unlocked", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const proof = await ownerSocketProof(await hashOwnerKey(room.ownerKey), Date.now() / 1000 + 600);
  const forged = await ownerSocketProof(
    await hashOwnerKey("A".repeat(22)),
    Date.now() / 1000 + 600,
  );
  const ownerClient = connect(server, `${room.roomId}?access=1&owner=${proof}`);
  const guest = connect(server, `${room.roomId}?access=1`);
  const pretender = connect(server, `${room.roomId}?access=1&owner=${forged}`);
  try {
    await Promise.all([ownerClient.joined, guest.joined, pretender.joined]);
    const settings = await owner(server, room).settings({ locked: true });
    assert.equal(settings.locked, true);
    const lockedEdit = AccessFlag.mayEdit | AccessFlag.locked;
    await waitFor(() => accessFlags(guest).at(-1) === AccessFlag.locked, "the guest to hear");
    await waitFor(() => accessFlags(ownerClient).at(-1) === lockedEdit, "the owner to hear");

    // The owner still edits; the guest's change is refused and closes it.
    ownerClient.socket.send(ownerClient.peer.edit((text) => text.insert(0, "owner ")));
    await waitFor(() => guest.peer.text === "owner hello\n", "the owner's edit to arrive");
    guest.socket.send(guest.peer.edit((text) => text.insert(0, "guest ")));
    assert.equal(await closeCode(guest), CloseCode.readOnly);
    // A wrong proof is no owner.
    pretender.socket.send(pretender.peer.edit((text) => text.insert(0, "pretender ")));
    assert.equal(await closeCode(pretender), CloseCode.readOnly);
    assert.equal(await codeOf(server, room.roomId), "owner hello\n");

    // Unlocked: a new connection edits again.
    await owner(server, room).settings({ locked: false });
    const again = connect(server, `${room.roomId}?access=1`);
    try {
      await again.joined;
      await waitFor(() => again.peer.text === "owner hello\n", "the new guest to sync");
      assert.equal(accessFlags(again).at(-1), AccessFlag.mayEdit);
      again.socket.send(again.peer.edit((text) => text.insert(0, "again ")));
      await waitFor(
        async () => await codeOf(server, room.roomId) === "again owner hello\n",
        "the guest's edit after unlocking",
      );
    } finally {
      again.close();
    }
  } finally {
    ownerClient.close();
    guest.close();
    pretender.close();
  }
});

Deno.test("Owner – rotating or disabling a link closes its connections (4401) and the old id is gone", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const editor = connect(server, room.roomId);
  const viewer = connect(server, room.viewId);
  try {
    await Promise.all([editor.joined, viewer.joined]);
    const rotated = await owner(server, room).rotate("edit");
    const newEditId = rotated.editUrl.split("/").at(-1);
    assert.notEqual(newEditId, room.roomId);
    assert.equal(rotated.viewUrl, room.viewUrl, "the read-only link stays");
    assert.equal(await closeCode(editor), CloseCode.linkRevoked);
    assert.equal(viewer.socket.readyState, WebSocket.OPEN, "viewers stay");

    // The old link opens nothing, over HTTP or socket; the new one works.
    for (const path of [`/rooms/${room.roomId}`, `/room/${room.roomId}`]) {
      const response = await fetch(`${server.url}${path}`);
      await response.body?.cancel();
      assert.equal(response.status, 404, path);
    }
    const raw = await openRawSocket(`${server.url.replace("http", "ws")}/ws/${room.roomId}`);
    assert.match(raw.head, /^HTTP\/1.1 404/);
    raw.close();
    assert.equal(await codeOf(server, newEditId), "hello\n");
    // The key still works, through the new link.
    const moved = { ...room, roomId: newEditId };
    assert.equal((await owner(server, moved).settings({})).editUrl, rotated.editUrl);

    // Disabling the read-only link closes its viewers; enabling makes a new one.
    const disabled = await owner(server, moved).settings({ viewLink: false });
    assert.equal(disabled.viewUrl, null);
    assert.equal(await closeCode(viewer), CloseCode.linkRevoked);
    const gone = await fetch(`${server.url}/rooms/${room.viewId}/code`);
    await gone.body?.cancel();
    assert.equal(gone.status, 404);
    const enabled = await owner(server, moved).settings({ viewLink: true });
    assert.match(enabled.viewUrl, /\/room\/[0-9A-Za-z]{22}$/);
    assert.notEqual(enabled.viewUrl, room.viewUrl);
    const rotatedView = await owner(server, moved).rotate("view");
    assert.notEqual(rotatedView.viewUrl, enabled.viewUrl);
    assert.equal(await codeOf(server, rotatedView.viewUrl.split("/").at(-1)), "hello\n");
  } finally {
    editor.close();
    viewer.close();
  }
});

Deno.test("Owner – deleting a room tells everyone (4410) and it is gone", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const editor = connect(server, room.roomId);
  const viewer = connect(server, room.viewId);
  try {
    await Promise.all([editor.joined, viewer.joined]);
    editor.socket.send(editor.peer.edit((text) => text.insert(0, "x")));
    const response = await owner(server, room).call("DELETE", "");
    assert.equal(response.status, 204);
    assert.equal(await closeCode(editor), CloseCode.roomDeleted);
    assert.equal(await closeCode(viewer), CloseCode.roomDeleted);
    for (const linkId of [room.roomId, room.viewId]) {
      const gone = await fetch(`${server.url}/rooms/${linkId}`);
      await gone.body?.cancel();
      assert.equal(gone.status, 404);
    }
    // And the key no longer opens anything: the same 403 as any wrong key.
    const again = await owner(server, room).call("DELETE", "");
    await again.body?.cancel();
    assert.equal(again.status, 403);
  } finally {
    editor.close();
    viewer.close();
  }
});

Deno.test("Owner – how long the room is kept: the default, days of its own, or for ever", async () => {
  await using server = await serve();
  const room = await createRoom(server);
  const day = 86_400_000;
  const initial = await (await owner(server, room).call("GET", "/settings")).json();
  assert.equal(initial.keepDays, null);
  assert.equal(initial.defaultKeepDays, 30);
  const until = Date.parse(initial.keptUntil);
  assert.ok(Math.abs(until - (Date.now() + 30 * day)) < day, initial.keptUntil);
  const week = await owner(server, room).settings({ keepDays: 7 });
  assert.equal(week.keepDays, 7);
  assert.ok(Math.abs(Date.parse(week.keptUntil) - (Date.now() + 7 * day)) < day);
  const forever = await owner(server, room).settings({ keepDays: 0 });
  assert.equal(forever.keptUntil, null);
  const bad = await owner(server, room).call("PATCH", "/settings", { keepDays: -1 });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});
