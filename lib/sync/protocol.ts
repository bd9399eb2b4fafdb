import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import type * as Y from "yjs";
import type { RejectionReason } from "../ops/limits.ts";
import { CloseCode, DurabilityStatus, MessageType } from "../shared/wire.ts";

/** Options for {@linkcode ProtocolError}. */
export interface ProtocolErrorOptions {
  /** Why, for the log line and `duet_rejections_total`; derived from the close code when omitted. */
  reason?: RejectionReason;
}

/** A message that cannot be decoded; the connection that sent it is closed. */
export class ProtocolError extends Error {
  readonly closeCode: number;
  readonly reason: RejectionReason;

  constructor(
    message: string,
    closeCode: number = CloseCode.invalidPayload,
    options: ProtocolErrorOptions = {},
  ) {
    super(message);
    this.name = "ProtocolError";
    this.closeCode = closeCode;
    this.reason = options.reason ?? REASONS_BY_CODE[closeCode] ?? "malformed_message";
  }
}

const REASONS_BY_CODE: Record<number, RejectionReason> = {
  [CloseCode.unsupportedData]: "unsupported_message",
  [CloseCode.tooBig]: "message_too_large",
  [CloseCode.documentTooLarge]: "document_too_large",
  [CloseCode.contentRefused]: "content_refused",
  [CloseCode.roomFull]: "room_full",
  [CloseCode.internalError]: "internal_error",
  [CloseCode.tryAgainLater]: "storage_unavailable",
  [CloseCode.readOnly]: "read_only",
  [CloseCode.linkRevoked]: "link_revoked",
  [CloseCode.roomDeleted]: "room_deleted",
};

/** An access message: {@linkcode AccessFlag} bits. */
export function encodeAccess(flags: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.access);
  encoding.writeVarUint(encoder, flags);
  return encoding.toUint8Array(encoder);
}

/** Sync step 1: our state vector, asking the peer for what we lack. */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** A document update, framed for broadcasting. */
export function encodeUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An awareness message carrying the states of `clients`. */
export function encodeAwareness(
  awareness: awarenessProtocol.Awareness,
  clients: number[],
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(
    encoder,
    awarenessProtocol.encodeAwarenessUpdate(awareness, clients),
  );
  return encoding.toUint8Array(encoder);
}

/** A save receipt: the client's own edits up to `clock` are in the database. */
export function encodeSaved(clock: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.durability);
  encoding.writeVarUint(encoder, DurabilityStatus.saved);
  encoding.writeVarUint(encoder, clock);
  return encoding.toUint8Array(encoder);
}

/** Tells a client that saving has stopped for now. */
export function encodeStorageUnavailable(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.durability);
  encoding.writeVarUint(encoder, DurabilityStatus.storageUnavailable);
  encoding.writeVarUint(encoder, 0);
  return encoding.toUint8Array(encoder);
}

/**
 * An awareness message with no states. Changes nothing on the client, but the
 * provider counts any message as a sign of life (it reconnects after 30 s of
 * silence, and ping frames do not count).
 */
export const KEEP_ALIVE_MESSAGE: Uint8Array = Uint8Array.of(
  MessageType.awareness,
  1,
  0,
);

/** A decoded incoming message. */
export type IncomingMessage =
  | { type: "sync"; decoder: decoding.Decoder }
  | { type: "awareness"; update: Uint8Array }
  | { type: "queryAwareness" }
  | { type: "run"; body: Uint8Array };

/**
 * Reads the frame's type and body. Sync bodies are left in the decoder for
 * y-protocols to read against the document.
 */
export function decodeMessage(data: Uint8Array): IncomingMessage {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MessageType.sync:
        return { type: "sync", decoder };
      case MessageType.awareness: {
        const update = decoding.readVarUint8Array(decoder);
        if (decoding.hasContent(decoder)) {
          throw new ProtocolError("Trailing bytes after an awareness update");
        }
        return { type: "awareness", update };
      }
      case MessageType.queryAwareness:
        return { type: "queryAwareness" };
      case MessageType.run:
        return { type: "run", body: data.subarray(decoder.pos) };
      default:
        throw new ProtocolError(
          `Unknown message type ${type}`,
          CloseCode.unsupportedData,
        );
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`Malformed message: ${String(error)}`);
  }
}

/** What a message is, as the metrics count it. */
export type MessageKind =
  | "sync_step1"
  | "sync_step2"
  | "update"
  | "awareness"
  | "query_awareness"
  | "durability"
  | "run"
  | "other";

/**
 * The kind of a message from its first two bytes, without decoding it (every
 * type and sync step Duet knows fits in one byte).
 */
export function messageKind(data: Uint8Array): MessageKind {
  switch (data[0]) {
    case MessageType.sync:
      return data[1] === syncProtocol.messageYjsSyncStep1
        ? "sync_step1"
        : data[1] === syncProtocol.messageYjsSyncStep2
        ? "sync_step2"
        : data[1] === syncProtocol.messageYjsUpdate
        ? "update"
        : "other";
    case MessageType.awareness:
      return "awareness";
    case MessageType.queryAwareness:
      return "query_awareness";
    case MessageType.durability:
      return "durability";
    case MessageType.run:
      return "run";
    default:
      return "other";
  }
}
