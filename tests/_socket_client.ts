import type { DuetServer } from "../main.ts";
import { YjsPeer } from "./_yjs_peer.ts";

/** A y-websocket client over a plain WebSocket, syncing a {@linkcode YjsPeer}. */
export interface Client {
  socket: WebSocket;
  peer: YjsPeer;
  /** Every message received, in order. */
  received: Uint8Array[];
  /** Resolves when the server has joined it to the room (its step 1 arrived). */
  joined: Promise<void>;
  closed: Promise<CloseEvent>;
  close(): void;
}

/** Options for {@linkcode connect}. */
export interface ConnectOptions {
  /** The peer to sync (a client coming back online); kept when the client closes. */
  peer?: YjsPeer;
}

/** Opens a live-sync socket to a room and syncs a peer over it. */
export function connect(
  server: Pick<DuetServer, "url">,
  roomId: string,
  options: ConnectOptions = {},
): Client {
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/ws/${roomId}`);
  socket.binaryType = "arraybuffer";
  const peer = options.peer ?? new YjsPeer();
  const received: Uint8Array[] = [];
  let joinedNow: () => void;
  const joined = new Promise<void>((resolve) => (joinedNow = resolve));
  const closed = new Promise<CloseEvent>((resolve) => {
    socket.onclose = resolve;
  });
  socket.onopen = () => socket.send(peer.step1());
  socket.onmessage = (event) => {
    const message = new Uint8Array(event.data);
    received.push(message);
    joinedNow();
    try {
      peer.send(message);
    } catch {
      // Not every test message is one a peer understands.
    }
    for (const reply of peer.replies.splice(0)) {
      if (socket.readyState === WebSocket.OPEN) socket.send(reply);
    }
  };
  return {
    socket,
    peer,
    received,
    joined,
    closed,
    close() {
      if (socket.readyState <= WebSocket.OPEN) socket.close();
      if (!options.peer) peer.destroy();
    },
  };
}
