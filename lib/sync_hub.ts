import { type Logger, silentLogger } from "./logger.ts";
import type { Participant, Room } from "./room.ts";
import type { RoomRegistry } from "./room_registry.ts";
import { CloseCode, KEEP_ALIVE_MESSAGE, ProtocolError } from "./sync_protocol.ts";

/** Options for {@linkcode SyncHub}. */
export interface SyncHubOptions {
  logger?: Logger;
  /** A connection that was sent nothing for this long gets a keep-alive; default 10 s. */
  keepAliveMs?: number;
}

/** Options for {@linkcode SyncHub.accept}. */
export interface AcceptOptions {
  /** Send save receipts for this Yjs client id's edits. */
  savedClientId?: number;
}

interface Connection extends Participant {
  roomId: string;
  socket: WebSocket;
  room?: Room;
  /** Messages that arrived while the room was loading. */
  queue: Uint8Array[];
  lastSentAt: number;
}

/**
 * Owns the live-sync WebSockets: joins each to its room, feeds its messages to
 * the room, keeps quiet connections alive and cleans up when they close.
 */
export class SyncHub {
  #registry: RoomRegistry;
  #logger: Logger;
  #keepAliveMs: number;
  #connections = new Set<Connection>();
  #keepAliveTimer?: ReturnType<typeof setInterval>;

  constructor(registry: RoomRegistry, options: SyncHubOptions = {}) {
    this.#registry = registry;
    this.#logger = options.logger ?? silentLogger;
    this.#keepAliveMs = options.keepAliveMs ?? 10_000;
  }

  /** How many sockets are connected. */
  get size(): number {
    return this.#connections.size;
  }

  /** Starts the keep-alive timer. */
  start(): void {
    // The provider reconnects after 30 s without a message; ping frames do
    // not count, so quiet connections get an empty awareness update.
    this.#keepAliveTimer ??= setInterval(
      () => this.#keepAlive(),
      Math.max(1_000, this.#keepAliveMs / 2),
    );
  }

  /** Takes a socket just returned by `Deno.upgradeWebSocket` for a room. */
  accept(roomId: string, socket: WebSocket, options: AcceptOptions = {}): void {
    socket.binaryType = "arraybuffer";
    const connection: Connection = {
      roomId,
      socket,
      savedClientId: options.savedClientId,
      queue: [],
      lastSentAt: Date.now(),
      send(message) {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(message);
        connection.lastSentAt = Date.now();
      },
    };
    this.#connections.add(connection);
    socket.onopen = () => {
      this.#registry.join(roomId, connection).then((room) => {
        if (socket.readyState !== WebSocket.OPEN) {
          if (room) this.#registry.leave(roomId, connection);
          return;
        }
        if (!room) {
          socket.close(CloseCode.roomNotFound, "Room not found");
          return;
        }
        connection.room = room;
        for (const message of connection.queue.splice(0)) {
          if (!this.#receive(connection, message)) break;
        }
      }).catch((error) => {
        this.#logger.error("room_load_failed", { roomId, error });
        // 1011: the client retries later; the room is never created empty.
        if (socket.readyState === WebSocket.OPEN) {
          socket.close(1011, "Room could not be loaded");
        }
      });
    };
    socket.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) {
        this.#reject(
          connection,
          new ProtocolError("Text messages are not supported", CloseCode.unsupportedData),
        );
        return;
      }
      const message = new Uint8Array(event.data);
      if (connection.room) this.#receive(connection, message);
      else connection.queue.push(message);
    };
    socket.onclose = () => {
      this.#connections.delete(connection);
      if (connection.room) this.#registry.leave(roomId, connection);
    };
    socket.onerror = () => {
      // Followed by close; nothing else to do.
    };
  }

  /** Closes every socket (1012 by default, so clients reconnect). */
  closeAll(code: number = CloseCode.serviceRestart, reason = "Server restarting"): void {
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
    for (const connection of this.#connections) {
      if (connection.socket.readyState <= WebSocket.OPEN) connection.socket.close(code, reason);
    }
  }

  /** Handles a message; returns false when the connection was closed for it. */
  #receive(connection: Connection, message: Uint8Array): boolean {
    try {
      connection.room!.receive(connection, message);
      return true;
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        this.#logger.error("message_failed", { roomId: connection.roomId, error });
        this.#reject(connection, new ProtocolError("Message could not be handled", 1011));
        return false;
      }
      this.#reject(connection, error);
      return false;
    }
  }

  #reject(connection: Connection, error: ProtocolError): void {
    this.#logger.warn("connection_rejected", {
      roomId: connection.roomId,
      reason: error.message,
      closeCode: error.closeCode,
    });
    const { socket } = connection;
    if (socket.readyState <= WebSocket.OPEN) {
      socket.close(error.closeCode, error.message.slice(0, 120));
    }
  }

  #keepAlive(): void {
    const quietSince = Date.now() - this.#keepAliveMs;
    for (const connection of this.#connections) {
      if (connection.room && connection.lastSentAt <= quietSince) {
        connection.send(KEEP_ALIVE_MESSAGE);
      }
    }
  }
}
