import assert from "node:assert/strict";
import { spawnServer } from "../testing/process.ts";
import { createRoom } from "../testing/rooms.ts";
import { YjsPeer } from "./_yjs_peer.ts";

/** A client that keeps talking (a sync step 1 every 20 ms) until the server closes it. */
function chattyClient(url: string): { joined: Promise<void>; closed: Promise<number> } {
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  const peer = new YjsPeer();
  let timer: ReturnType<typeof setInterval> | undefined;
  const joined = new Promise<void>((resolve) => {
    socket.onmessage = () => resolve();
  });
  socket.onopen = () => {
    timer = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(peer.step1());
    }, 20);
  };
  const closed = new Promise<number>((resolve) => {
    socket.onclose = (event) => {
      clearInterval(timer);
      peer.destroy();
      resolve(event.code);
    };
  });
  return { joined, closed };
}

Deno.test("Shutdown – on SIGTERM with the embedded database every client gets 1012 before the process exits", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "duet-shutdown-" });
  const server = await spawnServer({ env: { DUET_DATA_DIR: dataDir }, startTimeoutMs: 120_000 });
  try {
    const { roomId } = await createRoom(server.url);
    const clients = Array.from(
      { length: 9 },
      () => chattyClient(`ws://127.0.0.1:${server.port}/ws/${roomId}`),
    );
    await Promise.all(clients.map((client) => client.joined));
    server.kill("SIGTERM");
    const codes = await Promise.all(clients.map((client) => client.closed));
    assert.deepEqual(codes, Array(9).fill(1012));
    assert.equal((await server.status).code, 0);
  } finally {
    server.kill("SIGKILL");
    await server.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});
