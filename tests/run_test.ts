/**
 * Run messages over real sockets: relayed to those who asked for them, kept
 * for late joiners, checked and limited by the server whatever a client sends.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MAX_RUN_OUTPUT_BYTES } from "../lib/shared/run_output.ts";
import {
  type ClientRunEvent,
  decodeRunBody,
  encodeRunMessage,
  RUN_MESSAGE_TYPE,
  type ServerRunEvent,
  ServerRunEventSchema,
} from "../lib/shared/run_wire.ts";
import type { DuetServer } from "../main.ts";
import { startTestServer } from "./_server.ts";
import { waitFor } from "./_wait.ts";
import { createRoom as postRoom } from "../testing/rooms.ts";

interface RunSocket {
  socket: WebSocket;
  runEvents: ServerRunEvent[];
  opened: Promise<void>;
  closed: Promise<CloseEvent>;
  send(event: ClientRunEvent): void;
}

async function createRoom(server: DuetServer): Promise<string> {
  return (await postRoom(server, { language: "javascript", code: "console.log(1)" })).roomId;
}

function open(server: DuetServer, roomId: string, query = "?runs=1"): RunSocket {
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/ws/${roomId}${query}`);
  socket.binaryType = "arraybuffer";
  const runEvents: ServerRunEvent[] = [];
  let joined: () => void;
  const opened = new Promise<void>((resolve) => joined = resolve);
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  socket.onmessage = (event) => {
    const message = new Uint8Array(event.data);
    // The server's sync step 1 arrives once the room has taken us in.
    joined();
    if (message[0] === RUN_MESSAGE_TYPE) {
      runEvents.push(ServerRunEventSchema.parse(decodeRunBody(message.subarray(1))));
    }
  };
  return {
    socket,
    runEvents,
    opened,
    closed,
    send: (event) => socket.send(encodeRunMessage(event)),
  };
}

function closeAll(...sockets: RunSocket[]): Promise<unknown> {
  for (const { socket } of sockets) if (socket.readyState <= WebSocket.OPEN) socket.close();
  return Promise.all(sockets.map(({ closed }) => closed));
}

Deno.test({
  name: "Runs – relayed live to those who asked, kept for those who join later",
  async fn() {
    const server = await startTestServer();
    try {
      const roomId = await createRoom(server);
      const runner = open(server, roomId);
      const watcher = open(server, roomId);
      const plain = open(server, roomId, "");
      await Promise.all([runner.opened, watcher.opened, plain.opened]);
      runner.send({ t: "start", run: "r1", language: "javascript" });
      runner.send({ t: "output", run: "r1", items: [{ s: "out", text: "hello" }] });
      await waitFor(() => watcher.runEvents.length === 2, "the watcher to hear the output");
      runner.send({ t: "end", run: "r1", status: "ok" });
      await waitFor(() => watcher.runEvents.length === 3, "the watcher to hear the end");
      const [start, output, end] = watcher.runEvents;
      assert.ok(start.t === "start" && start.run.language === "javascript");
      assert.equal(start.run.by, "Someone");
      assert.deepEqual(output, {
        t: "output",
        run: start.run.id,
        items: [{ s: "out", text: "hello" }],
        truncated: false,
      });
      assert.ok(end.t === "end" && end.status === "ok" && end.run === start.run.id);
      // The runner hears nothing of its own run; a client that did not ask hears none.
      assert.deepEqual(runner.runEvents, []);
      assert.deepEqual(plain.runEvents, []);

      const late = open(server, roomId);
      await waitFor(() => late.runEvents.length === 1, "the late joiner's history");
      const [history] = late.runEvents;
      assert.ok(history.t === "history");
      assert.equal(history.runs.length, 1);
      assert.equal(history.runs[0].status, "ok");
      assert.deepEqual(history.runs[0].items, [{ s: "out", text: "hello" }]);
      await closeAll(runner, watcher, plain, late);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Runs – output past 1 MiB is truncated by the server, and a runner who leaves ends the run",
  async fn() {
    const server = await startTestServer();
    try {
      const roomId = await createRoom(server);
      const runner = open(server, roomId);
      const watcher = open(server, roomId);
      await Promise.all([runner.opened, watcher.opened]);
      runner.send({ t: "start", run: "big", language: "typescript" });
      const chunk = "x".repeat(256 * 1024);
      for (let n = 0; n < 6; n++) {
        runner.send({ t: "output", run: "big", items: [{ s: "out", text: chunk }] });
      }
      await waitFor(
        () => watcher.runEvents.some((event) => event.t === "output" && event.truncated),
        "the truncation",
      );
      const kept = watcher.runEvents.flatMap((event) =>
        event.t === "output" ? event.items.map((item) => item.s === "table" ? "" : item.text) : []
      ).join("");
      assert.equal(kept.length, MAX_RUN_OUTPUT_BYTES);
      runner.socket.close();
      await runner.closed;
      await waitFor(() => watcher.runEvents.at(-1)?.t === "end", "the run's end");
      const end = watcher.runEvents.at(-1);
      assert.ok(end?.t === "end" && end.status === "disconnected" && end.truncated);
      await closeAll(watcher);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Runs – a malformed or invalid run message closes that connection only (1007)",
  async fn() {
    const server = await startTestServer();
    try {
      const roomId = await createRoom(server);
      const bystander = open(server, roomId);
      await bystander.opened;
      const bad = [
        Uint8Array.of(RUN_MESSAGE_TYPE, 0xff, 0xfe),
        Uint8Array.of(RUN_MESSAGE_TYPE, ...new TextEncoder().encode("{")),
        encodeRunMessage({ t: "start", run: "r1", language: "python" } as never),
        encodeRunMessage({ t: "start", run: "../../x", language: "javascript" }),
        encodeRunMessage(
          { t: "output", run: "r1", items: [{ s: "out", text: "x", extra: 1 }] } as never,
        ),
        encodeRunMessage({ t: "history", runs: [] } as never),
      ];
      for (const message of bad) {
        const client = open(server, roomId);
        await client.opened;
        client.socket.send(message);
        const closed = await client.closed;
        assert.equal(closed.code, 1007, new TextDecoder().decode(message));
      }
      assert.equal(bystander.socket.readyState, WebSocket.OPEN);
      assert.deepEqual(bystander.runEvents, []);
      await closeAll(bystander);
    } finally {
      await server.shutdown();
    }
  },
});
