import assert from "node:assert/strict";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { CODE_TEXT } from "../lib/sync/document.ts";
import { startTestServer, storageBackends } from "./_server.ts";
import { waitFor } from "./_wait.ts";
import type { DuetServer } from "../main.ts";
import { withTestSeed } from "../testing/random.ts";
import { createRoom } from "../testing/rooms.ts";

interface Client {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
}

function connect(server: DuetServer, roomId: string): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${server.url.replace("http", "ws")}/ws`, roomId, doc, {
    // Same-process providers would otherwise sync through BroadcastChannel
    // and hide a broken server.
    disableBc: true,
    maxBackoffTime: 200,
  });
  return { doc, text: doc.getText(CODE_TEXT), provider };
}

async function synced(client: Client): Promise<void> {
  await waitFor(() => client.provider.synced, "the client to sync");
}

function close(...clients: Client[]): void {
  for (const client of clients) {
    client.provider.destroy();
    client.doc.destroy();
  }
}

Deno.test("Live sync – two clients typing at once converge and lose nothing", () =>
  withTestSeed(async (next, seed) => {
    const server = await startTestServer();
    const roomId = (await createRoom(server, { code: "start\n", language: "typescript" })).roomId;
    const alice = connect(server, roomId);
    const bob = connect(server, roomId);
    try {
      await Promise.all([synced(alice), synced(bob)]);
      assert.equal(alice.text.toString(), "start\n");
      const tokens: string[] = [];
      for (let round = 0; round < 40; round++) {
        for (const [name, client] of [["a", alice], ["b", bob]] as const) {
          const token = `<${name}${round}>`;
          tokens.push(token);
          // Insert between tokens, never inside one, so each stays whole.
          const current = client.text.toString();
          const boundaries = [0];
          for (let i = 1; i <= current.length; i++) {
            if (current[i - 1] === ">" || current[i - 1] === "\n") boundaries.push(i);
          }
          client.text.insert(boundaries[Math.floor(next() * boundaries.length)], token);
        }
        if (round % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitFor(
        () =>
          alice.text.toString() === bob.text.toString() &&
          alice.text.length === 6 + tokens.join("").length,
        `convergence (seed ${seed})`,
      );
      const text = alice.text.toString();
      for (const token of tokens) {
        assert.equal(text.split(token).length, 2, `${token} appears exactly once (seed ${seed})`);
      }
      const stored = await (await fetch(`${server.url}/rooms/${roomId}`)).json();
      assert.equal(stored.code, text, "the server holds the same text");
    } finally {
      close(alice, bob);
      await server.shutdown();
    }
  }));

Deno.test("Live sync – a client joining later receives the full text", async () => {
  const server = await startTestServer();
  const roomId = (await createRoom(server, { language: "typescript" })).roomId;
  const alice = connect(server, roomId);
  let carol: Client | undefined;
  try {
    await synced(alice);
    alice.text.insert(0, "function hello() {\n  return 42;\n}\n");
    await waitFor(
      async () => (await (await fetch(`${server.url}/rooms/${roomId}`)).json()).code !== "",
      "the edit to arrive",
    );
    carol = connect(server, roomId);
    await synced(carol);
    assert.equal(carol.text.toString(), "function hello() {\n  return 42;\n}\n");
  } finally {
    close(alice, ...(carol ? [carol] : []));
    await server.shutdown();
  }
});

Deno.test("Live sync – presence reaches the others and leaves with its person", async () => {
  const server = await startTestServer();
  const roomId = (await createRoom(server, { language: "typescript" })).roomId;
  const alice = connect(server, roomId);
  const bob = connect(server, roomId);
  try {
    await Promise.all([synced(alice), synced(bob)]);
    alice.provider.awareness.setLocalStateField("user", { name: "Alice", color: "#3366ff" });
    await waitFor(
      () =>
        (bob.provider.awareness.getStates().get(alice.doc.clientID) as { user?: { name: string } })
          ?.user?.name === "Alice",
      "Alice's presence at Bob",
    );
    alice.provider.disconnect();
    await waitFor(
      () => !bob.provider.awareness.getStates().has(alice.doc.clientID),
      "Alice's presence to go",
    );
  } finally {
    close(alice, bob);
    await server.shutdown();
  }
});

Deno.test("Live sync – a Yjs client with another binding's cursor shape stays, syncs and shows its name", async () => {
  const server = await startTestServer();
  const roomId = (await createRoom(server, { code: "base", language: "typescript" })).roomId;
  const other = connect(server, roomId);
  const bob = connect(server, roomId);
  const closes: number[] = [];
  other.provider.on("connection-close", (event) => closes.push(event?.code ?? 0));
  try {
    await Promise.all([synced(other), synced(bob)]);
    // Another editor binding's presence: a numeric cursor and a selection of its own.
    other.provider.awareness.setLocalState({
      user: { name: "Monaco Mo", color: "#3366ff" },
      cursor: 3,
      selection: { anchor: 1, head: 4 },
    });
    await waitFor(
      () =>
        (bob.provider.awareness.getStates().get(other.doc.clientID) as { user?: { name: string } })
          ?.user?.name === "Monaco Mo",
      "the other client's name at Bob",
    );
    // Relayed without the fields Duet cannot use.
    assert.deepEqual(bob.provider.awareness.getStates().get(other.doc.clientID), {
      user: { name: "Monaco Mo", color: "#3366ff" },
    });
    other.text.insert(4, " from Monaco");
    await waitFor(() => bob.text.toString() === "base from Monaco", "the edit at Bob");
    bob.text.insert(0, "> ");
    await waitFor(() => other.text.toString() === "> base from Monaco", "Bob's edit back");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const counted = metrics.match(
      /^duet_rejections_total\{reason="presence_field_dropped"\} (\d+)$/m,
    );
    assert.ok(counted && Number(counted[1]) >= 1, "the dropped field is counted");
    assert.deepEqual(closes, [], "never disconnected");
    assert.equal(other.provider.wsconnected, true);
  } finally {
    close(other, bob);
    await server.shutdown();
  }
});

Deno.test("Live sync – edits made offline on both sides merge on reconnect", async () => {
  const server = await startTestServer();
  const roomId = (await createRoom(server, { code: "base", language: "typescript" })).roomId;
  const alice = connect(server, roomId);
  const bob = connect(server, roomId);
  try {
    await Promise.all([synced(alice), synced(bob)]);
    alice.provider.disconnect();
    alice.text.insert(0, "[alice offline]");
    bob.text.insert(4, "[bob online]");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!bob.text.toString().includes("alice"));
    alice.provider.connect();
    await waitFor(
      () =>
        alice.text.toString() === bob.text.toString() &&
        bob.text.toString().includes("[alice offline]"),
      "offline edits to merge",
    );
    assert.equal(alice.text.toString(), "[alice offline]base[bob online]");
  } finally {
    close(alice, bob);
    await server.shutdown();
  }
});

Deno.test("Live sync – a malformed message closes only its own connection", async () => {
  const server = await startTestServer();
  const roomId = (await createRoom(server, { code: "safe", language: "typescript" })).roomId;
  const alice = connect(server, roomId);
  try {
    await synced(alice);
    const rogue = new WebSocket(`${server.url.replace("http", "ws")}/ws/${roomId}`);
    rogue.binaryType = "arraybuffer";
    const closed = new Promise<CloseEvent>((resolve) => (rogue.onclose = resolve));
    rogue.onopen = () => rogue.send(new Uint8Array([0, 2, 250, 1, 2]));
    const event = await closed;
    assert.equal(event.code, 1007);
    alice.text.insert(4, "!");
    await waitFor(
      async () => (await (await fetch(`${server.url}/rooms/${roomId}`)).json()).code === "safe!",
      "the room to go on",
    );
    assert.equal(alice.provider.wsconnected, true);
  } finally {
    close(alice);
    await server.shutdown();
  }
});

Deno.test("Live sync – a quiet connection still hears from the server", async () => {
  const server = await startTestServer({ keepAliveMs: 200 });
  const roomId = (await createRoom(server, { language: "typescript" })).roomId;
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/ws/${roomId}`);
  socket.binaryType = "arraybuffer";
  const messages: number[][] = [];
  socket.onmessage = (event) => messages.push([...new Uint8Array(event.data)]);
  try {
    // Sync step 1 arrives first; then, with nothing else to say, keep-alives:
    // the provider reconnects after 30 s without any message.
    await waitFor(() => messages.length >= 1, "sync step 1");
    assert.equal(messages[0][0], 0);
    await waitFor(
      () => messages.some((message) => message.join() === "1,1,0"),
      "a keep-alive",
      5_000,
    );
  } finally {
    socket.close();
    await server.shutdown();
  }
});

for (const backend of storageBackends()) {
  Deno.test(`Persistence (${backend.name}) – the code survives a server restart`, async () => {
    const dataDir = backend.databaseUrl
      ? undefined
      : await Deno.makeTempDir({ prefix: "duet-data-" });
    const options = { databaseUrl: backend.databaseUrl, dataDir };
    let server = await startTestServer(options);
    const roomId =
      (await createRoom(server, { code: "let x = 1;\n", language: "typescript" })).roomId;
    const alice = connect(server, roomId);
    try {
      await synced(alice);
      alice.text.insert(alice.text.length, "x += 1;\n");
      alice.doc.getMap("settings").set("language", "rust");
      await waitFor(
        async () =>
          (await (await fetch(`${server.url}/rooms/${roomId}`)).json()).code.includes("+="),
        "the edit",
      );
      // Shut down with the client still connected: everything is written on the way out.
      await server.shutdown();
      close(alice);
      server = await startTestServer(options);
      const room = await (await fetch(`${server.url}/rooms/${roomId}`)).json();
      assert.equal(room.code, "let x = 1;\nx += 1;\n");
      assert.equal(room.language, "rust");
      const bob = connect(server, roomId);
      await synced(bob);
      assert.equal(
        bob.text.toString(),
        "let x = 1;\nx += 1;\n",
        "the initial code is not inserted again",
      );
      close(bob);
    } finally {
      close(alice);
      await server.shutdown();
      if (dataDir) await Deno.remove(dataDir, { recursive: true });
    }
  });
}
