/**
 * Several server processes on one PostgreSQL: edits and cursors cross between
 * them through LISTEN/NOTIFY and the update log. Needs `DATABASE_URL`.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { spawnServer } from "../testing/process.ts";
import { countLines, Typist } from "./_typist.ts";
import { waitFor } from "./_wait.ts";
import { createRoom } from "../testing/rooms.ts";
import { connect } from "./_socket_client.ts";
import { CloseCode, MessageType } from "../lib/shared/wire.ts";

const databaseUrl = Deno.env.get("DATABASE_URL");
const env = { DATABASE_URL: databaseUrl ?? "" };

Deno.test({
  name: "Cluster – two processes serve one room: edits and cursors cross, and one can die",
  ignore: !databaseUrl,
  async fn() {
    const one = await spawnServer({ env });
    const two = await spawnServer({ env });
    const roomId = (await createRoom(one.url)).roomId;
    const alice = new Typist(one.url, roomId);
    const bob = new Typist(two.url, roomId);
    let oneAgain;
    try {
      await waitFor(() => alice.provider.synced && bob.provider.synced, "both to sync");

      // Edits cross, both ways, and the figure is reported.
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [from, to] = i % 2 ? [bob, alice] : [alice, bob];
        const token = `cross-${i}`;
        const started = performance.now();
        from.type(token);
        await waitFor(() => countLines(to.text, token) === 1, `${token} to cross`);
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      console.log(
        `convergence across two processes: median ${samples[10].toFixed(1)} ms, max ${
          samples[19].toFixed(1)
        } ms (polling every 10 ms)`,
      );

      // The metrics see the commits and the bus.
      const counts = async (url: string, name: string) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return Number(text.match(new RegExp(`^${name}_count (\\d+)$`, "m"))?.[1] ?? 0);
      };
      assert.ok(await counts(one.url, "duet_commit_batch_updates") >= 10, "commits counted");
      assert.ok(await counts(two.url, "duet_bus_lag_seconds") >= 10, "bus lag measured");

      // Cursors and names cross too.
      alice.provider.awareness.setLocalStateField("user", { name: "Alice", color: "#3366ff" });
      await waitFor(
        () =>
          (bob.provider.awareness.getStates().get(alice.doc.clientID) as {
            user?: { name: string };
          })
            ?.user?.name === "Alice",
        "Alice's presence on the other process",
      );

      // Process one dies; Bob goes on; Alice's page reconnects when it is back.
      one.kill("SIGKILL");
      await one.status;
      alice.type("alice-while-down");
      bob.type("bob-while-one-is-down");
      oneAgain = await spawnServer({ env, port: one.port });
      await waitFor(
        () =>
          [alice, bob].every((typist) =>
            ["alice-while-down", "bob-while-one-is-down", "cross-19"].every((token) =>
              countLines(typist.text, token) === 1
            )
          ),
        "both sides to converge after the restart",
        20_000,
      );
      assert.equal(alice.text, bob.text);
    } finally {
      alice.destroy();
      bob.destroy();
      for (const server of [two, oneAgain]) {
        server?.kill("SIGTERM");
        await server?.status;
      }
    }
  },
});

Deno.test({
  name: "Cluster – a lost listener connection is re-established and missed updates are read back",
  ignore: !databaseUrl,
  async fn() {
    const one = await spawnServer({ env });
    const two = await spawnServer({ env });
    const admin = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
    const roomId = (await createRoom(one.url)).roomId;
    const alice = new Typist(one.url, roomId);
    const bob = new Typist(two.url, roomId);
    try {
      await waitFor(() => alice.provider.synced && bob.provider.synced, "both to sync");
      // Cut every listener connection (Duet's LISTEN sessions), then type at once.
      const killed = await admin`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'duet' AND query ILIKE 'listen%'`;
      assert.ok(killed.length >= 2, `terminated ${killed.length} listener connections`);
      for (let i = 0; i < 20; i++) alice.type(`missed-${i}`);
      await waitFor(
        () => countLines(bob.text, "missed-19") === 1 && countLines(bob.text, "missed-0") === 1,
        "updates written while the listener was away to reach the other process",
        20_000,
      );
      await waitFor(
        () => two.logs.some((line) => line.event === "bus_reconnected"),
        "the other process to report its listener back",
      );
    } finally {
      alice.destroy();
      bob.destroy();
      await admin.end();
      for (const server of [one, two]) {
        server.kill("SIGTERM");
        await server.status;
      }
    }
  },
});

Deno.test({
  name: "Cluster – two processes agree on the owner's lock, link rotation and deletion",
  ignore: !databaseUrl,
  async fn() {
    const one = await spawnServer({ env });
    const two = await spawnServer({ env });
    const created = await (await fetch(`${one.url}/rooms`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "shared\n" }),
    })).json();
    const { roomId, ownerKey } = created;
    const asOwner = (method: string, path: string, body?: unknown) =>
      fetch(`${one.url}/rooms/${roomId}${path}`, {
        method,
        headers: { authorization: `Bearer ${ownerKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // Both on process two: the owner acts through process one.
    const guest = connect(two, `${roomId}?access=1`);
    const viewer = connect(two, created.viewUrl.split("/").at(-1));
    const clients = [guest, viewer];
    try {
      await Promise.all(clients.map((client) => client.joined));
      const locked = await asOwner("PATCH", "/settings", { locked: true });
      assert.equal(locked.status, 200);
      await locked.body?.cancel();
      await waitFor(
        () =>
          guest.received.some((message) => message[0] === MessageType.access && message[1] === 2),
        "process two to hear of the lock",
      );
      guest.socket.send(guest.peer.edit((text) => text.insert(0, "guest ")));
      assert.equal((await guest.closed).code, CloseCode.readOnly);
      assert.equal(await (await fetch(`${two.url}/rooms/${roomId}/code`)).text(), "shared\n");

      // A new edit link closes, on process two, whoever came through the old one.
      const unlocked = await asOwner("PATCH", "/settings", { locked: false });
      await unlocked.body?.cancel();
      const editor = connect(two, roomId);
      clients.push(editor);
      await editor.joined;
      const rotated = await asOwner("POST", "/rotate", { link: "edit" });
      const newEditId = (await rotated.json()).editUrl.split("/").at(-1);
      assert.equal((await editor.closed).code, CloseCode.linkRevoked);
      const old = await fetch(`${two.url}/rooms/${roomId}`);
      await old.body?.cancel();
      assert.equal(old.status, 404);

      // Deleting through process one tells the viewer on process two.
      const deleted = await fetch(`${one.url}/rooms/${newEditId}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${ownerKey}` },
      });
      assert.equal(deleted.status, 204);
      assert.equal((await viewer.closed).code, CloseCode.roomDeleted);
      const gone = await fetch(`${two.url}/rooms/${newEditId}`);
      await gone.body?.cancel();
      assert.equal(gone.status, 404);
    } finally {
      for (const client of clients) client.close();
      for (const server of [one, two]) {
        server.kill("SIGTERM");
        await server.status;
      }
    }
  },
});
