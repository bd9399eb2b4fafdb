import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { LanguageId } from "./languages.ts";
import { codeOf, languageOf } from "./room_document.ts";
import {
  decodeMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeUpdate,
  MessageType,
  ProtocolError,
} from "./sync_protocol.ts";

/** One connected person, as the room sees them: somewhere to send bytes. */
export interface Participant {
  send(message: Uint8Array): void;
}

/** Options for {@linkcode Room}. */
export interface RoomOptions {
  /** The stored document to start from. */
  state?: Uint8Array;
  /** The language when the document holds none. */
  language: LanguageId;
  /** Called after every change to the document. */
  onChange?: () => void;
}

/**
 * A room's live state: its Yjs document, the presence of the people in it and
 * their connections. Sockets, storage and timers live elsewhere.
 */
export class Room {
  readonly roomId: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  /** Each participant and the awareness client ids they have announced. */
  #participants = new Map<Participant, Set<number>>();
  #fallbackLanguage: LanguageId;

  constructor(roomId: string, options: RoomOptions) {
    this.roomId = roomId;
    this.doc = new Y.Doc({ gc: true });
    if (options.state) Y.applyUpdate(this.doc, options.state);
    this.#fallbackLanguage = options.language;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server is not a person in the room.
    this.awareness.setLocalState(null);

    const onChange = options.onChange;
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      this.#broadcast(encodeUpdate(update), origin);
      onChange?.();
    });
    this.awareness.on(
      "update",
      (
        changes: { added: number[]; updated: number[]; removed: number[] },
        origin: unknown,
      ) => {
        const clients = this.#participants.get(origin as Participant);
        if (!clients) return;
        for (const id of changes.added) clients.add(id);
        for (const id of changes.removed) clients.delete(id);
      },
    );
  }

  /** How many participants are connected. */
  get size(): number {
    return this.#participants.size;
  }

  /** The room's code as plain text. */
  get code(): string {
    return codeOf(this.doc);
  }

  /** The room's language. */
  get language(): LanguageId {
    const language = languageOf(this.doc, this.#fallbackLanguage);
    this.#fallbackLanguage = language;
    return language;
  }

  /** The whole document as one update, for storage. */
  encodeState(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }

  /**
   * Adds a participant and sends them the server's sync step 1 and everyone's
   * presence. The client sends its own step 1, which {@linkcode receive}
   * answers with step 2: the client counts itself synced only then.
   */
  join(participant: Participant): void {
    this.#participants.set(participant, new Set());
    participant.send(encodeSyncStep1(this.doc));
    const states = [...this.awareness.getStates().keys()];
    if (states.length) {
      participant.send(encodeAwareness(this.awareness, states));
    }
  }

  /** Removes a participant and tells the others they are gone. */
  leave(participant: Participant): void {
    const clients = this.#participants.get(participant);
    if (!clients) return;
    this.#participants.delete(participant);
    const gone = [...clients].filter((id) => this.awareness.getStates().has(id));
    if (gone.length) {
      awarenessProtocol.removeAwarenessStates(this.awareness, gone, null);
      this.#broadcast(encodeAwareness(this.awareness, gone), null);
    }
  }

  /**
   * Handles one message from a participant.
   *
   * @throws {ProtocolError} when the message is malformed; the caller closes
   * that participant's connection and the room goes on.
   */
  receive(participant: Participant, data: Uint8Array): void {
    if (!this.#participants.has(participant)) {
      throw new RangeError("Participant has not joined this room");
    }
    const message = decodeMessage(data);
    switch (message.type) {
      case "sync":
        this.#receiveSync(participant, message.decoder);
        break;
      case "awareness":
        try {
          awarenessProtocol.applyAwarenessUpdate(
            this.awareness,
            message.update,
            participant,
          );
        } catch (error) {
          throw new ProtocolError(`Malformed awareness update: ${String(error)}`);
        }
        // Relay the bytes as received: cheaper than encoding them again.
        this.#broadcast(data, participant);
        break;
      case "queryAwareness":
        participant.send(
          encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]),
        );
        break;
    }
  }

  /** Frees the document and presence; the room must be empty. */
  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }

  #receiveSync(participant: Participant, decoder: decoding.Decoder): void {
    let reply: Uint8Array | undefined;
    let update: Uint8Array | undefined;
    try {
      const step = decoding.readVarUint(decoder);
      if (step === syncProtocol.messageYjsSyncStep1) {
        const stateVector = decoding.readVarUint8Array(decoder);
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MessageType.sync);
        syncProtocol.writeSyncStep2(encoder, this.doc, stateVector);
        reply = encoding.toUint8Array(encoder);
      } else if (
        step === syncProtocol.messageYjsSyncStep2 ||
        step === syncProtocol.messageYjsUpdate
      ) {
        update = decoding.readVarUint8Array(decoder);
      } else {
        throw new ProtocolError(`Unknown sync message type ${step}`);
      }
      if (decoding.hasContent(decoder)) {
        throw new ProtocolError("Trailing bytes after a sync message");
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError(`Malformed sync message: ${String(error)}`);
    }
    if (reply) participant.send(reply);
    if (update) {
      try {
        Y.applyUpdate(this.doc, update, participant);
      } catch (error) {
        throw new ProtocolError(`Malformed document update: ${String(error)}`);
      }
    }
  }

  #broadcast(message: Uint8Array, except: unknown): void {
    for (const participant of this.#participants.keys()) {
      if (participant !== except) participant.send(message);
    }
  }
}
