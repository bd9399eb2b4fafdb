/**
 * The floor for the sync benchmarks: a bare WebSocket relay with no Yjs. Each
 * binary frame goes as it is to the other sockets on the same path. A
 * client's sync step 1 is answered with an empty sync step 2, so clients
 * count themselves synced, and is not forwarded (nobody would answer it).
 *
 * ```sh
 * PORT=9000 HOSTNAME=127.0.0.1 deno run --allow-net --allow-env bench/relay_server.ts
 * ```
 */

const EMPTY_SYNC_STEP_2 = Uint8Array.of(0, 1, 2, 0, 0);

/** Serves the relay until the process is stopped. */
export function serveRelay(port: number, hostname: string): Deno.HttpServer {
  const rooms = new Map<string, Set<WebSocket>>();
  return Deno.serve({
    port,
    hostname,
    onListen: ({ hostname, port }) => console.log(`relay listening on ${hostname}:${port}`),
  }, (request) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("relay\n");
    }
    const path = new URL(request.url).pathname;
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      let room = rooms.get(path);
      if (!room) rooms.set(path, room = new Set());
      room.add(socket);
    };
    socket.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const data = new Uint8Array(event.data);
      if (data[0] === 0 && data[1] === 0) {
        socket.send(EMPTY_SYNC_STEP_2);
        return;
      }
      const room = rooms.get(path);
      if (!room) return;
      for (const peer of room) {
        if (peer !== socket && peer.readyState === WebSocket.OPEN) peer.send(data);
      }
    };
    socket.onclose = () => {
      const room = rooms.get(path);
      if (!room) return;
      room.delete(socket);
      if (room.size === 0) rooms.delete(path);
    };
    socket.onerror = () => {};
    return response;
  });
}

if (import.meta.main) {
  const port = Number(Deno.env.get("PORT") ?? "9000");
  const hostname = Deno.env.get("HOSTNAME") ?? "127.0.0.1";
  serveRelay(port, hostname);
}
