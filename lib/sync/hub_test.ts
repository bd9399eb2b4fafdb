import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../ops/limits.ts";
import { SyncHub } from "./hub.ts";
import { RoomRegistry } from "./registry.ts";

/** Just enough of a WebSocket for the hub to take and close; it never opens. */
class UnopenedSocket extends EventTarget {
  binaryType = "blob";
  readyState: number = WebSocket.CONNECTING;
  bufferedAmount = 0;
  onopen: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  send(): void {}
  close(): void {
    this.readyState = WebSocket.CLOSED;
    this.onclose?.({ code: 1000, reason: "" });
  }
}

const noStore = {
  load: () => Promise.resolve(undefined),
  readUpdates: () => Promise.resolve([]),
  appendUpdates: () => Promise.resolve(new Map()),
  compact: () => Promise.resolve(false),
};

Deno.test("SyncHub – admits sockets from one address up to the limit, and again once one closes", () => {
  const hub = new SyncHub(new RoomRegistry(noStore), {
    limits: { ...DEFAULT_LIMITS, maxConnectionsPerAddress: 2 },
  });
  const sockets = [new UnopenedSocket(), new UnopenedSocket()];
  for (const socket of sockets) {
    assert.equal(hub.admits("203.0.113.7"), true);
    hub.accept("room", socket as unknown as WebSocket, { address: "203.0.113.7" });
  }
  assert.equal(hub.admits("203.0.113.7"), false, "the third from the same address");
  assert.equal(hub.admits("198.51.100.1"), true, "another address counts apart");
  sockets[0].close();
  assert.equal(hub.admits("203.0.113.7"), true, "a closed socket no longer counts");
  sockets[1].close();
  assert.equal(hub.size, 0);
});

/** A socket that closes only when the test says its peer answered. */
class PeerSocket extends EventTarget {
  binaryType = "blob";
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  closedWith?: number;
  onopen: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: (() => void) | null = null;

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSING;
  }

  /** The peer's close frame arrives: the close is complete. */
  answerClose(): void {
    this.readyState = WebSocket.CLOSED;
    this.onclose?.(new CloseEvent("close", { code: this.closedWith }));
  }

  send(): void {}
}

Deno.test("SyncHub – closeAll resolves only once every socket has finished closing", async () => {
  // closeAll never reaches the registry: no socket here has opened into a room.
  const hub = new SyncHub(new RoomRegistry(noStore));
  const sockets = [new PeerSocket(), new PeerSocket(), new PeerSocket()];
  for (const socket of sockets) hub.accept("room", socket as unknown as WebSocket);
  let done = false;
  const closing = hub.closeAll().then(() => done = true);
  assert.deepEqual(sockets.map((socket) => socket.closedWith), [1012, 1012, 1012]);
  sockets[0].answerClose();
  sockets[1].answerClose();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(done, false, "one socket is still closing");
  sockets[2].answerClose();
  await closing;
  assert.equal(done, true);
  assert.equal(hub.size, 0);
});
