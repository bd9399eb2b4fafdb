import type { Logger } from "../ops/logger.ts";

/** LISTEN/NOTIFY as the bus needs it: `SqlClient.notifications` (db/database.ts) on PostgreSQL. */
export interface NotifyConnection {
  /** LISTENs on `channel`, re-established when lost; `onListen` runs on every (re)connection. */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onListen: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
  notify(channel: string, payload: string): Promise<void>;
}

/** What a process hears from the others. */
export interface RoomBusHandlers {
  /** Room `roomId` has log rows up to `seq`, announced at `sentAt` (ms since the epoch). */
  update(roomId: string, seq: number, sentAt?: number): void;
  /** An awareness message (framed as on the socket) from another process. */
  awareness(roomId: string, message: Uint8Array): void;
  /** The bus was away and is back: notifications may have been missed. */
  reconnected(): void;
  /** Room `roomId`'s links, lock or existence changed: read them again. */
  roomChanged?(roomId: string): void;
}

/**
 * How server processes tell each other about rooms. Document changes travel
 * as `(roomId, seq)` only — the rows themselves are read from the update
 * log; presence travels whole, since it is never stored.
 */
export interface RoomBus {
  /** A channel the store notifies in the append transaction; unset when the bus publishes itself. */
  readonly notifyChannel?: string;
  /** Tells the others a room has rows up to `seq` (when there is no `notifyChannel`). */
  publishUpdate(roomId: string, seq: number): void;
  /** Shares an awareness message with the others. */
  publishAwareness(roomId: string, message: Uint8Array): void;
  /** Tells the others a room's links, lock or existence changed (absent: one process). */
  publishRoomChange?(roomId: string): void;
  subscribe(handlers: RoomBusHandlers): void;
  close(): Promise<void>;
}

/** One process alone (the embedded database): nobody to tell. */
export class LocalBus implements RoomBus {
  publishUpdate(): void {}
  publishAwareness(): void {}
  subscribe(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Wire format shared by the bus variants that carry presence. */
interface AwarenessEnvelope {
  /** The sending process, so it can ignore its own messages. */
  p: string;
  r: string;
  /** Base64 awareness messages. */
  a: string[];
}

// A NOTIFY payload must stay under 8000 bytes.
const MAX_PAYLOAD = 7_500;
const AWARENESS_FLUSH_MS = 15;

/**
 * Batches awareness messages per room for a short moment, so a burst of
 * cursor moves costs one publish, and splits them under the payload cap.
 */
class AwarenessBatcher {
  #pending = new Map<string, string[]>();
  #timer?: ReturnType<typeof setTimeout>;
  #process: string;
  #send: (payload: string) => void;

  constructor(process: string, send: (payload: string) => void) {
    this.#process = process;
    this.#send = send;
  }

  add(roomId: string, message: Uint8Array): void {
    const encoded = message.toBase64();
    if (encoded.length > MAX_PAYLOAD - 100) return; // Too large to share; local people still see it.
    const list = this.#pending.get(roomId) ?? [];
    list.push(encoded);
    this.#pending.set(roomId, list);
    this.#timer ??= setTimeout(() => this.flush(), AWARENESS_FLUSH_MS);
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [roomId, messages] of this.#pending) {
      let batch: string[] = [];
      let size = 0;
      for (const message of messages) {
        if (size + message.length > MAX_PAYLOAD - 100 && batch.length) {
          this.#send(JSON.stringify({ p: this.#process, r: roomId, a: batch }));
          batch = [];
          size = 0;
        }
        batch.push(message);
        size += message.length + 3;
      }
      if (batch.length) this.#send(JSON.stringify({ p: this.#process, r: roomId, a: batch }));
    }
    this.#pending.clear();
  }
}

function parseEnvelope(payload: string, self: string): AwarenessEnvelope | undefined {
  try {
    const value = JSON.parse(payload);
    if (
      typeof value?.p !== "string" || typeof value.r !== "string" || !Array.isArray(value.a) ||
      value.p === self
    ) return undefined;
    return {
      p: value.p,
      r: value.r,
      a: value.a.filter((item: unknown) => typeof item === "string"),
    };
  } catch {
    return undefined;
  }
}

function parseUpdate(
  payload: string,
): { roomId: string; seq: number; sentAt?: number } | undefined {
  const [roomId, seqText, sentAtText] = payload.split(":");
  const seq = Number(seqText);
  const sentAt = Number(sentAtText);
  if (!roomId || !Number.isSafeInteger(seq)) return undefined;
  return { roomId, seq, sentAt: Number.isFinite(sentAt) ? sentAt : undefined };
}

/** Channel names Duet uses on PostgreSQL. */
export const BUS_CHANNELS = {
  updates: "duet_updates",
  awareness: "duet_awareness",
  rooms: "duet_rooms",
} as const;

/** A room change notice's payload is a room id; anything else is ignored. */
const ROOM_ID_PAYLOAD = /^[0-9A-Za-z]{1,64}$/;

/**
 * Several processes on one PostgreSQL: `LISTEN`/`NOTIFY`. Update
 * notifications are sent by the append transaction itself (so they arrive
 * only once rows are committed); a lost listener connection is re-established
 * and reported, and the registry reads back what it missed by sequence number.
 */
export class PostgresBus implements RoomBus {
  readonly notifyChannel = BUS_CHANNELS.updates;
  #connection: NotifyConnection;
  #logger: Logger;
  #process = crypto.randomUUID();
  #batcher: AwarenessBatcher;
  #listeners: { unlisten(): Promise<void> }[] = [];

  constructor(connection: NotifyConnection, logger: Logger) {
    this.#connection = connection;
    this.#logger = logger;
    this.#batcher = new AwarenessBatcher(this.#process, (payload) => {
      this.#connection.notify(BUS_CHANNELS.awareness, payload).catch((error) =>
        this.#logger.warn("bus_publish_failed", { error })
      );
    });
  }

  publishUpdate(roomId: string, seq: number): void {
    this.#connection.notify(BUS_CHANNELS.updates, `${roomId}:${seq}:${Date.now()}`).catch((error) =>
      this.#logger.warn("bus_publish_failed", { error })
    );
  }

  publishAwareness(roomId: string, message: Uint8Array): void {
    this.#batcher.add(roomId, message);
  }

  publishRoomChange(roomId: string): void {
    this.#connection.notify(BUS_CHANNELS.rooms, roomId).catch((error) =>
      this.#logger.warn("bus_publish_failed", { error })
    );
  }

  subscribe(handlers: RoomBusHandlers): void {
    let connections = 0;
    const onListen = () => {
      if (connections++ > 0) {
        this.#logger.warn("bus_reconnected", {});
        handlers.reconnected();
      }
    };
    const listening = [
      this.#connection.listen(BUS_CHANNELS.updates, (payload) => {
        const update = parseUpdate(payload);
        if (update) handlers.update(update.roomId, update.seq, update.sentAt);
      }, onListen),
      this.#connection.listen(BUS_CHANNELS.awareness, (payload) => {
        const envelope = parseEnvelope(payload, this.#process);
        if (!envelope) return;
        for (const message of envelope.a) {
          try {
            handlers.awareness(envelope.r, Uint8Array.fromBase64(message));
          } catch {
            // Not base64: ignore, as with any malformed bus message.
          }
        }
      }, () => {}),
      this.#connection.listen(BUS_CHANNELS.rooms, (payload) => {
        if (ROOM_ID_PAYLOAD.test(payload)) handlers.roomChanged?.(payload);
      }, () => {}),
    ];
    for (const promise of listening) {
      promise.then((listener) => this.#listeners.push(listener)).catch((error) =>
        this.#logger.error("bus_listen_failed", { error })
      );
    }
  }

  async close(): Promise<void> {
    this.#batcher.flush();
    await Promise.allSettled(this.#listeners.map((listener) => listener.unlisten()));
  }
}

/**
 * Isolates on Deno Deploy share no memory but share `BroadcastChannel`:
 * the same messages, posted after the append commits.
 */
export class BroadcastChannelBus implements RoomBus {
  #channel: BroadcastChannel;
  #process = crypto.randomUUID();
  #batcher: AwarenessBatcher;

  constructor(name = "duet") {
    this.#channel = new BroadcastChannel(name);
    this.#batcher = new AwarenessBatcher(
      this.#process,
      (payload) => this.#channel.postMessage({ kind: "awareness", payload }),
    );
  }

  publishUpdate(roomId: string, seq: number): void {
    this.#channel.postMessage({ kind: "update", payload: `${roomId}:${seq}:${Date.now()}` });
  }

  publishAwareness(roomId: string, message: Uint8Array): void {
    this.#batcher.add(roomId, message);
  }

  publishRoomChange(roomId: string): void {
    this.#channel.postMessage({ kind: "room", payload: roomId });
  }

  subscribe(handlers: RoomBusHandlers): void {
    this.#channel.onmessage = (event: MessageEvent) => {
      const { kind, payload } = event.data ?? {};
      if (typeof payload !== "string") return;
      if (kind === "update") {
        const update = parseUpdate(payload);
        if (update) handlers.update(update.roomId, update.seq, update.sentAt);
      } else if (kind === "room") {
        if (ROOM_ID_PAYLOAD.test(payload)) handlers.roomChanged?.(payload);
      } else if (kind === "awareness") {
        const envelope = parseEnvelope(payload, this.#process);
        for (const message of envelope?.a ?? []) {
          handlers.awareness(envelope!.r, Uint8Array.fromBase64(message));
        }
      }
    };
  }

  close(): Promise<void> {
    this.#batcher.flush();
    this.#channel.close();
    return Promise.resolve();
  }
}
