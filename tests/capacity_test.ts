import assert from "node:assert/strict";
import { createRoom } from "../testing/rooms.ts";
import { frameReader, openRawSocket, type RawSocket } from "./_raw_socket.ts";
import { startTestServer } from "./_server.ts";
import { waitFor } from "./_wait.ts";

/** What a socket got until the server closed it: data frames, then the close code. */
async function history(socket: RawSocket): Promise<{ dataFrames: number; closeCode?: number }> {
  const frames = frameReader(socket);
  let dataFrames = 0;
  for (let frame = await frames.next(); frame; frame = await frames.next()) {
    if (frame.opcode === 8) {
      socket.close();
      return { dataFrames, closeCode: frame.closeCode };
    }
    dataFrames++;
  }
  return { dataFrames };
}

Deno.test("Capacity – simultaneous joins into a room not in memory: the first up to the limit get in", async () => {
  const server = await startTestServer({ limits: { maxPeoplePerRoom: 3 } });
  const { roomId } = await createRoom(server.url);
  const url = `${server.url.replace("http", "ws")}/ws/${roomId}`;
  const sockets = await Promise.all(Array.from({ length: 8 }, () => openRawSocket(url)));
  try {
    for (const socket of sockets) assert.match(socket.head, /^HTTP\/1\.1 101/);
    const histories = Promise.all(sockets.map(history));
    const connections = async () =>
      (await (await fetch(`${server.url}/healthz`)).json()).connections;
    await waitFor(async () => await connections() <= 3, "the joins past the limit to be refused");
    // Those let in stay until the server stops (1012).
    await server.shutdown();
    const outcomes = await histories;
    const refused = outcomes.filter((outcome) => outcome.closeCode === 4429);
    const admitted = outcomes.filter((outcome) => outcome.closeCode === 1012);
    assert.equal(refused.length, 5, JSON.stringify(outcomes));
    assert.equal(admitted.length, 3, JSON.stringify(outcomes));
    assert.ok(admitted.every((outcome) => outcome.dataFrames >= 1), "those let in were synced");
    assert.ok(refused.every((outcome) => outcome.dataFrames === 0), "the others were never joined");
  } finally {
    for (const socket of sockets) socket.close();
    await server.shutdown();
  }
});
