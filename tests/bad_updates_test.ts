/**
 * Well-formed Yjs updates that a room must still refuse, sent as hand-made
 * frames through real sockets: deletes of what nobody has written yet
 * (a participant's next keystrokes, made-up clients by the hundred thousand),
 * and content the code cannot show. And the other side of it: legitimate
 * sessions, with people going offline and coming back, are never refused.
 *
 * Set `DUET_TEST_SEED` to replay the random sessions (the seed is printed on failure).
 */
import assert from "node:assert/strict";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { createLogger, type Logger } from "../lib/ops/logger.ts";
import type { DuetServer } from "../main.ts";
import { seededRandom, testSeed } from "../testing/random.ts";
import { startTestServer } from "./_server.ts";
import { type Client, connect } from "./_socket_client.ts";
import { waitFor } from "./_wait.ts";
import { encode } from "./_yjs_bytes.ts";
import { YjsPeer } from "./_yjs_peer.ts";
import { createRoom as postRoom } from "../testing/rooms.ts";

/** Log lines as parsed JSON. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    format: "json",
    level: "debug",
    write: (line) => lines.push(JSON.parse(line)),
  });
  return { logger, lines };
}

async function createRoom(server: DuetServer, code: string): Promise<string> {
  return (await postRoom(server, { code })).roomId;
}

async function storedCode(server: DuetServer, roomId: string): Promise<string> {
  return (await (await fetch(`${server.url}/rooms/${roomId}`)).json()).code;
}

/** `duet_rejections_total` for one reason, from `GET /metrics`. */
async function rejections(server: DuetServer, reason: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = text.match(
    new RegExp(`^duet_rejections_total\\{reason="${reason}"\\} (\\d+)$`, "m"),
  );
  return match ? Number(match[1]) : 0;
}

/** How `client` was closed, or undefined when it is still open after `ms`. */
async function closedWithin(client: Client, ms: number): Promise<CloseEvent | undefined> {
  let timer = 0;
  const closed = await Promise.race([
    client.closed,
    new Promise<undefined>((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
  return closed;
}

/** A sync message carrying `update`. */
function updateFrame(update: Uint8Array): Uint8Array {
  return encode((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
  });
}

/** A delete-only update: `ranges` of [client, clock, length]. */
function deletion(ranges: Iterable<[number, number, number]>): Uint8Array {
  const list = [...ranges];
  return encode((e) => {
    encoding.writeVarUint(e, 0); // no structs
    encoding.writeVarUint(e, list.length);
    for (const [client, clock, length] of list) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  });
}

/** The frame `peer` would send for `change`, made on its document. */
function frameOf(peer: YjsPeer, change: (text: Y.Text, settings: Y.Map<unknown>) => void) {
  return peer.edit((text, doc) => change(text, doc.getMap("settings")));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function describe(values: number[]): string {
  return `p50 ${quantile(values, 0.5).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;
}

Deno.test("Bad updates – a delete of someone's next keystrokes is refused (1008); their text survives for everyone and in storage", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "duet-bad-updates-" });
  const log = capturingLogger();
  let server: DuetServer | undefined = await startTestServer({ dataDir, logger: log.logger });
  const clients: Client[] = [];
  try {
    const roomId = await createRoom(server, "let x = 1;\n");
    const victim = connect(server, roomId);
    const observer = connect(server, roomId);
    clients.push(victim, observer);
    await Promise.all([victim.joined, observer.joined]);
    victim.socket.send(victim.peer.edit((text) => text.insert(0, "// mine\n")));
    await waitFor(() => observer.peer.text === "// mine\nlet x = 1;\n", "the first edit");

    // Anyone in the room sees the victim's client id and clock in the document.
    const attacker = connect(server, roomId);
    clients.push(attacker);
    await attacker.joined;
    await waitFor(() => attacker.peer.text === observer.peer.text, "the attacker's sync");
    const victimId = victim.peer.doc.clientID;
    const nextClock = Y.getState(attacker.peer.doc.store, victimId);
    attacker.socket.send(updateFrame(deletion([[victimId, nextClock, 100_000]])));
    const closed = await closedWithin(attacker, 5_000);
    assert.equal(closed?.code, 1008, "the attacker is closed with 1008");
    assert.match(closed.reason, /deletes content this room does not have/);

    victim.socket.send(victim.peer.edit((text) => text.insert(text.length, "x = 2;\n")));
    const expected = "// mine\nlet x = 1;\nx = 2;\n";
    assert.equal(victim.peer.text, expected);
    await waitFor(() => observer.peer.text === expected, "the victim's later text at the observer");
    const late = connect(server, roomId);
    clients.push(late);
    await waitFor(() => late.peer.text === expected, "the victim's later text for a new joiner");
    assert.equal(await rejections(server, "missing_dependency"), 1);
    const logged = log.lines.filter((line) => line.event === "connection_rejected");
    assert.deepEqual(
      logged.map((line) => [line.reason, line.closeCode]),
      [["missing_dependency", 1008]],
    );

    for (const client of clients.splice(0)) client.close();
    await server.shutdown();
    server = undefined;
    server = await startTestServer({ dataDir });
    assert.equal(await storedCode(server, roomId), expected, "stored after a restart");
    const reader = connect(server, roomId);
    clients.push(reader);
    await waitFor(() => reader.peer.text === expected, "the stored text over a socket");
  } finally {
    for (const client of clients) client.close();
    await server?.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Bad updates – deletes naming 300 000 unknown clients are refused; the room stays small and other rooms keep their pace", async () => {
  const server = await startTestServer({ limits: { maxConnectionsPerAddress: 100 } });
  const clients: Client[] = [];
  try {
    const target = await createRoom(server, "const a = 1;\n");
    const elsewhere = await createRoom(server, "");
    const typist = connect(server, target);
    const writer = connect(server, elsewhere);
    const reader = connect(server, elsewhere);
    clients.push(typist, writer, reader);
    await Promise.all(clients.map((client) => client.joined));

    /** Keystroke round trips in the other room, from `writer` to `reader`. */
    const roundTrips = async (count: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const expected = reader.peer.text.length + 1;
        const started = performance.now();
        writer.socket.send(writer.peer.edit((text) => text.insert(text.length, "k")));
        // The target room is busy too, as in the report: its typist keeps typing.
        typist.socket.send(typist.peer.edit((text) => text.insert(0, "t")));
        await waitFor(() => reader.peer.text.length === expected, "a keystroke round trip");
        times.push(performance.now() - started);
      }
      return times;
    };
    const before = await roundTrips(30);

    // Three frames just under the 1 MiB message limit, 100 000 made-up clients each.
    const closes: (number | undefined)[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const attacker = connect(server, target);
      clients.push(attacker);
      await attacker.joined;
      const frame = updateFrame(deletion(
        Array.from({ length: 100_000 }, (_, i) =>
          [
            1_000_000 + batch * 100_000 + i,
            0,
            1,
          ] as [number, number, number]),
      ));
      assert.ok(frame.byteLength < 1024 * 1024, `${frame.byteLength} bytes fit one message`);
      attacker.socket.send(frame);
      closes.push((await closedWithin(attacker, 5_000))?.code);
    }
    const after = await roundTrips(30);
    console.log(
      `other room's keystroke round trip: before ${describe(before)}; ` +
        `after the attack (target room typing too) ${describe(after)}; closes ${closes}`,
    );

    const joiner = connect(server, target);
    clients.push(joiner);
    await waitFor(() => joiner.peer.text === typist.peer.text, "a new joiner's sync");
    const stateBytes = joiner.received.reduce((sum, message) => sum + message.byteLength, 0);
    console.log(`a new joiner of the target room received ${stateBytes} bytes`);
    assert.deepEqual(closes, [1008, 1008, 1008], "each bloating frame is refused");
    assert.ok(stateBytes < 4 * 1024, `the room's state stays small (${stateBytes} bytes)`);
    assert.equal(await rejections(server, "missing_dependency"), 3);
    assert.equal(await storedCode(server, target), typist.peer.text);
  } finally {
    for (const client of clients) client.close();
    await server.shutdown();
  }
});

Deno.test("Bad updates – embeds, formatting and unknown settings are refused (4422) and never reach anyone", async () => {
  const server = await startTestServer({ limits: { maxConnectionsPerAddress: 100 } });
  const clients: Client[] = [];
  try {
    const code = "print('hi')\n";
    const roomId = await createRoom(server, code);
    const observer = connect(server, roomId);
    clients.push(observer);
    await observer.joined;
    await waitFor(() => observer.peer.text === code, "sync");
    const cases: [string, (text: Y.Text, settings: Y.Map<unknown>) => void, RegExp][] = [
      ["an embedded object", (text) => text.insertEmbed(3, { image: "x.png" }), /embedded/],
      ["an embedded map", (text) => text.insertEmbed(3, new Y.Map()), /nested shared type/],
      ["formatting", (text) => text.format(0, 5, { bold: true }), /formatting/],
      ["text with attributes", (text) => text.insert(0, "x", { bold: true }), /formatting/],
      ["an unknown setting", (_, settings) => settings.set("theme", "dark"), /setting/],
      ["an unknown language", (_, settings) => settings.set("language", "cobol"), /language/],
    ];
    for (const [what, change, reason] of cases) {
      const attacker = connect(server, roomId);
      clients.push(attacker);
      await attacker.joined;
      await waitFor(() => attacker.peer.text === code, "the attacker's sync");
      attacker.socket.send(frameOf(attacker.peer, change));
      const closed = await closedWithin(attacker, 5_000);
      assert.equal(closed?.code, 4422, what);
      assert.match(closed.reason, reason, what);
    }
    // Nothing of it anywhere: the observer, a new joiner, the stored room.
    const joiner = connect(server, roomId);
    clients.push(joiner);
    await waitFor(() => joiner.peer.text === code, "a new joiner's sync");
    for (const peer of [observer.peer, joiner.peer]) {
      assert.deepEqual(peer.doc.getText("code").toDelta(), [{ insert: code }]);
      assert.deepEqual([...peer.doc.getMap("settings").keys()], ["language"]);
    }
    assert.equal(await rejections(server, "content_refused"), cases.length);
    // What the editor sends still passes.
    observer.socket.send(
      frameOf(observer.peer, (_, settings) => settings.set("language", "python")),
    );
    await waitFor(
      () => joiner.peer.doc.getMap("settings").get("language") === "python",
      "a language change",
    );
    const stored = await (await fetch(`${server.url}/rooms/${roomId}`)).json();
    assert.equal(stored.code, code);
    assert.equal(stored.language, "python");
  } finally {
    for (const client of clients) client.close();
    await server.shutdown();
  }
});

Deno.test("Bad updates – random legitimate sessions, with people going offline and back, are never refused", async () => {
  const seed = testSeed();
  const next = seededRandom(seed);
  const where = `(seed ${seed}; replay with DUET_TEST_SEED=${seed})`;
  const server = await startTestServer({
    limits: { messagesPerSecond: 100_000, maxConnectionsPerAddress: 1_000 },
  });
  const peers = Array.from({ length: 4 }, () => new YjsPeer());
  const sessions: (Client | undefined)[] = [];
  const serverCloses: number[] = [];
  let reconnects = 0;
  let offlineEdits = 0;
  const online = (i: number): Client => {
    const client = connect(server, roomId, { peer: peers[i] });
    let ours = false;
    const close = client.close;
    client.close = () => {
      ours = true;
      close();
    };
    client.closed.then((event) => {
      if (!ours) serverCloses.push(event.code);
    });
    return client;
  };
  const roomId = await createRoom(server, "start\n");
  try {
    for (let i = 0; i < peers.length; i++) sessions[i] = online(i);
    await Promise.all(sessions.map((session) => session!.joined));
    await waitFor(() => peers.every((peer) => peer.text === "start\n"), `first sync ${where}`);
    for (let step = 0; step < 160; step++) {
      const i = Math.floor(next() * peers.length);
      const peer = peers[i];
      const roll = next();
      if (roll < 0.8) {
        const frame = peer.edit((text) => {
          const at = Math.floor(next() * (text.length + 1));
          if (next() < 0.7 || text.length === 0) {
            text.insert(at, ["a", "bc", "\n", "é", "😀", "word "][Math.floor(next() * 6)]);
          } else {
            const from = Math.min(at, text.length - 1);
            text.delete(from, 1 + Math.floor(next() * Math.min(4, text.length - from)));
          }
        });
        // While connecting, as offline: the sync on opening carries it.
        const session = sessions[i];
        if (session?.socket.readyState === WebSocket.OPEN) session.socket.send(frame);
        else offlineEdits++;
      } else if (sessions[i]) {
        // Offline: the socket goes, the document (and what is typed into it) stays.
        sessions[i]!.close();
        sessions[i] = undefined;
      } else {
        sessions[i] = online(i);
        reconnects++;
        if (next() < 0.5) await sessions[i]!.joined;
      }
      if (next() < 0.3) await new Promise((resolve) => setTimeout(resolve, next() * 5));
    }
    for (let i = 0; i < peers.length; i++) {
      if (!sessions[i]) {
        sessions[i] = online(i);
        reconnects++;
      }
    }
    await waitFor(
      () => peers.every((peer) => peer.text === peers[0].text),
      `everyone converges ${where}`,
      20_000,
    );
    assert.deepEqual(serverCloses, [], `no session was closed by the server ${where}`);
    assert.equal(await rejections(server, "missing_dependency"), 0, where);
    assert.equal(await rejections(server, "content_refused"), 0, where);
    assert.equal(await storedCode(server, roomId), peers[0].text, where);
    assert.ok(reconnects > 3 && offlineEdits > 3, `offline periods happened ${where}`);
    console.log(
      `sessions (seed ${seed}): 4 people, 160 steps, ${reconnects} reconnects, ` +
        `${offlineEdits} edits made offline, ${peers[0].text.length} characters; none refused`,
    );
  } finally {
    for (const session of sessions) session?.close();
    await server.shutdown();
    for (const peer of peers) peer.destroy();
  }
});
