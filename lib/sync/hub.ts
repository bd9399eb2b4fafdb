import { DEFAULT_LIMITS, formatBytes, type Limits } from "../ops/limits.ts";
import { type Clock, systemClock, type TimerId } from "../ops/clock.ts";
import { type Logger, silentLogger } from "../ops/logger.ts";
import { MessageThrottle } from "./message_throttle.ts";
import type { DuetMetrics } from "../ops/metrics.ts";
import type { Participant, ReceiveOptions, Room } from "./room.ts";
import type { RoomRegistry } from "./registry.ts";
import { CloseCode } from "../shared/wire.ts";
import { KEEP_ALIVE_MESSAGE, type MessageKind, messageKind, ProtocolError } from "./protocol.ts";

/** Options for {@linkcode SyncHub}. */
export interface SyncHubOptions {
  logger?: Logger;
  /** A connection that was sent nothing for this long gets a keep-alive; default 10 s. */
  keepAliveMs?: number;
  /** What connections may do; default {@linkcode DEFAULT_LIMITS}. */
  limits?: Limits;
  /** Where messages and rejections are counted. */
  metrics?: DuetMetrics;
  /** The time of message throttles and keep-alive bookkeeping; default the system's. */
  clock?: Clock;
}

/** Options for {@linkcode SyncHub.accept}. */
export interface AcceptOptions {
  /** Send save receipts for this Yjs client id's edits. */
  savedClientId?: number;
  /** Send this connection the room's runs (it asked with `?runs=1`). */
  wantsRuns?: boolean;
  /** The client's address key (see `addressKey`), for the per-address limit. */
  address?: string;
  /** `view`: the connection came through the read-only link. */
  access?: "edit" | "view";
  /** The connection proved it holds the owner key. */
  owner?: boolean;
  /** The link it came through (closed when that link is rotated or disabled). */
  linkId?: string;
  /** Send access messages (type 101). */
  wantsAccess?: boolean;
}

/** What one message of a kind counts towards. */
interface KindCounters {
  in: Counted;
  out: Counted;
  /** For messages that carry a document update. */
  updateIn?: Counted;
  updateOut?: Counted;
}

type Counted = { inc(amount?: number): void };

interface Connection extends Participant {
  roomId: string;
  socket: WebSocket;
  address?: string;
  room?: Room;
  /** Messages waiting for the room to load, or for their turn under the rate limit. */
  inbox: MessageThrottle;
  drainTimer?: TimerId;
  lastSentAt: number;
  /** Refused or closed: nothing more is sent or handled, and it is logged once. */
  closing: boolean;
  /** Has left its room (which may happen before the socket finishes closing). */
  left: boolean;
  /** Resolves when the socket has closed. */
  closed: Promise<void>;
  /** Holds one of its room's `maxPeoplePerRoom` places. */
  seated?: boolean;
}

/**
 * Owns the live-sync WebSockets: joins each to its room, feeds its messages to
 * the room, keeps quiet connections alive and cleans up when they close.
 */
export class SyncHub {
  #registry: RoomRegistry;
  #logger: Logger;
  #keepAliveMs: number;
  #limits: Limits;
  #receiveOptions: ReceiveOptions;
  #metrics?: DuetMetrics;
  #clock: Clock;
  #connections = new Set<Connection>();
  /** Places taken per room: joined, or waiting for the room to load. */
  #seats = new Map<string, number>();
  /** Open sockets per client address key. */
  #addresses = new Map<string, number>();
  /** Set by closeAll: later sockets are closed as they open. */
  #shutdown?: { code: number; reason: string };
  #keepAliveTimer?: ReturnType<typeof setInterval>;
  #kindCounters = new Map<MessageKind, KindCounters>();

  constructor(registry: RoomRegistry, options: SyncHubOptions = {}) {
    this.#registry = registry;
    this.#logger = options.logger ?? silentLogger;
    this.#keepAliveMs = options.keepAliveMs ?? 10_000;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#receiveOptions = {
      maxDocumentBytes: this.#limits.maxDocumentBytes,
      maxPresenceBytes: this.#limits.maxPresenceBytes,
    };
    this.#metrics = options.metrics;
    this.#clock = options.clock ?? systemClock;
  }

  /** How many sockets are connected. */
  get size(): number {
    return this.#connections.size;
  }

  /**
   * Whether one more socket from this client address key stays within
   * `maxConnectionsPerAddress`. Asked before upgrading; {@linkcode accept}
   * counts the socket, so nothing may be awaited in between.
   */
  admits(address: string): boolean {
    return this.#connectionsFrom(address) < this.#limits.maxConnectionsPerAddress;
  }

  #connectionsFrom(address: string): number {
    return this.#addresses.get(address) ?? 0;
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
    if (this.#shutdown) {
      // Between closeAll and the server's stop: send it elsewhere too.
      socket.onopen = () => socket.close(this.#shutdown!.code, this.#shutdown!.reason);
      return;
    }
    socket.binaryType = "arraybuffer";
    const limits = this.#limits;
    let closed!: () => void;
    const connection: Connection = {
      roomId,
      closed: new Promise((resolve) => closed = resolve),
      socket,
      savedClientId: options.savedClientId,
      wantsRuns: options.wantsRuns,
      address: options.address,
      access: options.access,
      owner: options.owner,
      linkId: options.linkId,
      wantsAccess: options.wantsAccess,
      close: (error) => this.#reject(connection, error),
      inbox: new MessageThrottle({
        ratePerSecond: limits.messagesPerSecond,
        burst: 2 * limits.messagesPerSecond,
        // Another burst's worth may wait; past that the client is flooding.
        maxQueuedMessages: 2 * limits.messagesPerSecond,
        maxQueuedBytes: Math.max(limits.maxBufferedBytes, 2 * limits.maxMessageBytes),
        now: () => this.#clock.now(),
      }),
      lastSentAt: this.#clock.now(),
      closing: false,
      left: false,
      send: (message) => this.#send(connection, message),
    };
    this.#connections.add(connection);
    if (options.address !== undefined) {
      this.#addresses.set(options.address, this.#connectionsFrom(options.address) + 1);
    }
    socket.onopen = () => {
      // A seat is taken now, not once the room has loaded: joins that arrive
      // while it loads are counted in order, so the first ones get in.
      if (!this.#takeSeat(connection)) {
        this.#reject(connection, this.#roomFull());
        return;
      }
      this.#registry.join(roomId, connection).then((room) => {
        if (connection.closing || socket.readyState !== WebSocket.OPEN) {
          if (room) this.#registry.leave(roomId, connection);
          return;
        }
        if (!room) {
          socket.close(CloseCode.roomNotFound, "Room not found");
          return;
        }
        connection.room = room;
        this.#drain(connection);
      }).catch((error) => {
        // The room refused this participant (its link was revoked meanwhile, say).
        if (error instanceof ProtocolError) return this.#reject(connection, error);
        this.#logger.error("room_load_failed", { roomId, error });
        // 1011: the client retries later; the room is never created empty.
        if (socket.readyState === WebSocket.OPEN) {
          socket.close(1011, "Room could not be loaded");
        }
      });
    };
    socket.onmessage = (event) => {
      if (connection.closing) return;
      if (!(event.data instanceof ArrayBuffer)) {
        this.#reject(
          connection,
          new ProtocolError("Text messages are not supported", CloseCode.unsupportedData),
        );
        return;
      }
      if (event.data.byteLength > limits.maxMessageBytes) {
        this.#reject(
          connection,
          new ProtocolError(
            `This change is too large to send (over ${
              formatBytes(limits.maxMessageBytes)
            }). Reload the page to go on.`,
            CloseCode.tooBig,
          ),
        );
        return;
      }
      const message = new Uint8Array(event.data);
      this.#counters(messageKind(message))?.in.inc();
      if (!connection.inbox.push(message)) {
        this.#reject(
          connection,
          new ProtocolError("Too many messages: slow down", CloseCode.policyViolation, {
            reason: "message_flood",
          }),
        );
        return;
      }
      this.#drain(connection);
    };
    socket.onclose = (event) => {
      closed();
      // Deno can report one close twice (the close frame, then the peer going).
      if (!this.#connections.delete(connection)) return;
      this.#stop(connection);
      this.#releaseSeat(connection);
      if (connection.address !== undefined) {
        const left = this.#connectionsFrom(connection.address) - 1;
        if (left > 0) this.#addresses.set(connection.address, left);
        else this.#addresses.delete(connection.address);
      }
      // Deno's own close when a ping goes unanswered for the idle timeout.
      if (event.code === CloseCode.goingAway && /ping/i.test(event.reason)) {
        this.#logger.info("connection_timed_out", { roomId, reason: "idle_timeout" });
        this.#metrics?.rejections.inc({ reason: "idle_timeout" });
      }
      this.#leave(connection);
    };
    socket.onerror = () => {
      // Followed by close; nothing else to do.
    };
  }

  /**
   * Closes every socket (1012 by default, so clients reconnect) and resolves
   * once each has finished closing, or after `waitMs` (default 2 s) for
   * clients that never answer. A process must not exit before: its close
   * frames may not have left, and a socket closed with unread input is reset,
   * so the client sees an abnormal close (1006) instead of 1012.
   */
  async closeAll(
    code: number = CloseCode.serviceRestart,
    reason = "Server restarting",
    waitMs = 2_000,
  ): Promise<void> {
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
    this.#shutdown = { code, reason };
    const closed: Promise<void>[] = [];
    for (const connection of this.#connections) {
      closed.push(connection.closed);
      if (connection.socket.readyState <= WebSocket.OPEN) connection.socket.close(code, reason);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs));
    await Promise.race([Promise.all(closed), late]);
    clearTimeout(timer);
  }

  /** Handles the messages whose turn has come; the rest wait for tokens. */
  #drain(connection: Connection): void {
    if (!connection.room || connection.closing) return;
    if (connection.drainTimer !== undefined) {
      this.#clock.clearTimeout(connection.drainTimer);
      connection.drainTimer = undefined;
    }
    for (let message = connection.inbox.shift(); message; message = connection.inbox.shift()) {
      if (!this.#receive(connection, message)) return;
    }
    if (connection.inbox.size > 0) {
      connection.drainTimer = this.#clock.setTimeout(() => {
        connection.drainTimer = undefined;
        this.#drain(connection);
      }, connection.inbox.msUntilNext());
    }
  }

  /** Handles a message; returns false when the connection was closed for it. */
  #receive(connection: Connection, message: Uint8Array): boolean {
    try {
      const { droppedPresence } = connection.room!.receive(
        connection,
        message,
        this.#receiveOptions,
      );
      // Not abuse (another editor binding's cursor, say): the rest was relayed.
      for (const { field, message } of droppedPresence) {
        this.#logger.warn("presence_field_dropped", {
          roomId: connection.roomId,
          reason: "presence_field_dropped",
          field,
          detail: message,
        });
        this.#metrics?.rejections.inc({ reason: "presence_field_dropped" });
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        this.#logger.error("message_failed", { roomId: connection.roomId, error });
        this.#reject(
          connection,
          new ProtocolError("Message could not be handled", CloseCode.internalError),
        );
        return false;
      }
      this.#reject(connection, error);
      return false;
    }
    this.#counters(messageKind(message))?.updateIn?.inc();
    return true;
  }

  #send(connection: Connection, message: Uint8Array): void {
    const { socket } = connection;
    if (connection.closing || socket.readyState !== WebSocket.OPEN) return;
    // A client that does not read its socket must not make us buffer without end.
    if (socket.bufferedAmount > this.#limits.maxBufferedBytes) {
      this.#reject(
        connection,
        new ProtocolError(
          `Connection too slow: over ${
            formatBytes(this.#limits.maxBufferedBytes)
          } waiting to be sent`,
          CloseCode.policyViolation,
          { reason: "too_slow" },
        ),
      );
      return;
    }
    socket.send(message);
    connection.lastSentAt = this.#clock.now();
    const counters = this.#counters(messageKind(message));
    counters?.out.inc();
    counters?.updateOut?.inc();
  }

  /** Closes a connection for `error`, logging and counting it once. */
  #reject(connection: Connection, error: ProtocolError): void {
    if (connection.closing) return;
    this.#stop(connection);
    this.#releaseSeat(connection);
    this.#logger.warn("connection_rejected", {
      roomId: connection.roomId,
      reason: error.reason,
      closeCode: error.closeCode,
      detail: error.message,
    });
    this.#metrics?.rejections.inc({ reason: error.reason });
    const { socket } = connection;
    if (socket.readyState <= WebSocket.OPEN) {
      socket.close(error.closeCode, closeReason(error.message));
    }
    // Leave now, not on close: a peer that does not read may never let the
    // close finish. Not synchronously, though: this may run inside the room's
    // own broadcast.
    queueMicrotask(() => this.#leave(connection));
  }

  /** Stops handling a connection's messages. */
  #stop(connection: Connection): void {
    connection.closing = true;
    if (connection.drainTimer !== undefined) this.#clock.clearTimeout(connection.drainTimer);
    connection.drainTimer = undefined;
    connection.inbox.clear();
  }

  #leave(connection: Connection): void {
    if (!connection.room || connection.left) return;
    connection.left = true;
    this.#registry.leave(connection.roomId, connection);
  }

  /** Takes one of the room's places for the connection; false when the room is full. */
  #takeSeat(connection: Connection): boolean {
    const taken = this.#seats.get(connection.roomId) ?? 0;
    if (taken >= this.#limits.maxPeoplePerRoom) return false;
    this.#seats.set(connection.roomId, taken + 1);
    connection.seated = true;
    return true;
  }

  #releaseSeat(connection: Connection): void {
    if (!connection.seated) return;
    connection.seated = false;
    const left = (this.#seats.get(connection.roomId) ?? 1) - 1;
    if (left > 0) this.#seats.set(connection.roomId, left);
    else this.#seats.delete(connection.roomId);
  }

  #roomFull(): ProtocolError {
    const most = this.#limits.maxPeoplePerRoom;
    return new ProtocolError(
      `Room is full (${most} ${most === 1 ? "person" : "people"})`,
      CloseCode.roomFull,
    );
  }

  /** The counters a message of this kind moves, looked up once per kind. */
  #counters(kind: MessageKind): KindCounters | undefined {
    const metrics = this.#metrics;
    if (!metrics) return undefined;
    let counters = this.#kindCounters.get(kind);
    if (!counters) {
      const carriesUpdate = kind === "update" || kind === "sync_step2";
      counters = {
        in: metrics.messagesIn.labels({ type: kind }),
        out: metrics.messagesOut.labels({ type: kind }),
        updateIn: carriesUpdate ? metrics.updatesIn.labels() : undefined,
        updateOut: carriesUpdate ? metrics.updatesOut.labels() : undefined,
      };
      this.#kindCounters.set(kind, counters);
    }
    return counters;
  }

  #keepAlive(): void {
    const quietSince = this.#clock.now() - this.#keepAliveMs;
    for (const connection of this.#connections) {
      if (connection.socket.readyState !== WebSocket.OPEN) {
        // Deno started closing it (an unanswered ping, say), but a peer that
        // does not read can hold the close up for good: leave the room now.
        if (connection.socket.readyState !== WebSocket.CONNECTING && !connection.closing) {
          this.#stop(connection);
          this.#leave(connection);
        }
        continue;
      }
      if (connection.room && !connection.closing && connection.lastSentAt <= quietSince) {
        connection.send(KEEP_ALIVE_MESSAGE);
      }
    }
  }
}

const encoder = new TextEncoder();

/** A close reason within the 123 bytes a close frame allows. */
function closeReason(text: string): string {
  if (encoder.encode(text).length <= 123) return text;
  let cut = text.slice(0, 120);
  while (encoder.encode(cut + "…").length > 123) cut = cut.slice(0, -1);
  return cut + "…";
}
