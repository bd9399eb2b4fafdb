/** What one server accepts from its clients; each has an environment variable (see `config.ts`). */
export interface Limits {
  /** Largest WebSocket message, in bytes (`DUET_MAX_MESSAGE_BYTES`). */
  maxMessageBytes: number;
  /** Largest code a room may hold, in UTF-8 bytes (`DUET_MAX_DOCUMENT_BYTES`). */
  maxDocumentBytes: number;
  /** Connections in one room (`DUET_MAX_PEOPLE_PER_ROOM`). */
  maxPeoplePerRoom: number;
  /** Open WebSockets from one client address (`DUET_MAX_CONNECTIONS_PER_ADDRESS`). */
  maxConnectionsPerAddress: number;
  /** Sustained messages per second per connection (`DUET_MESSAGES_PER_SECOND`); bursts of twice that, and as many again may wait before the connection is closed. */
  messagesPerSecond: number;
  /** New rooms per client address per minute (`DUET_ROOMS_PER_MINUTE`). */
  roomsPerMinute: number;
  /** Largest `/autocomplete` body, in bytes (`DUET_AUTOCOMPLETE_MAX_BYTES`). */
  autocompleteMaxBytes: number;
  /** `/autocomplete` requests per client address per minute (`DUET_AUTOCOMPLETE_PER_MINUTE`). */
  autocompletePerMinute: number;
  /** Code rendered into room pages per client address per minute, in bytes (`DUET_PAGE_BYTES_PER_MINUTE`). */
  pageBytesPerMinute: number;
  /** Bytes waiting to be sent to one connection before it is dropped (`DUET_MAX_BUFFERED_BYTES`). */
  maxBufferedBytes: number;
  /** Seconds a socket may send nothing (Deno pings it half-way) before it is closed (`DUET_IDLE_TIMEOUT_SECONDS`; 0: never). */
  idleTimeoutSeconds: number;
  /** Largest presence (awareness) state of one person, in bytes of JSON (`DUET_MAX_PRESENCE_BYTES`). */
  maxPresenceBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The limits when no environment variable says otherwise. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 1 * MiB,
  maxDocumentBytes: 2 * MiB,
  maxPeoplePerRoom: 32,
  maxConnectionsPerAddress: 20,
  messagesPerSecond: 60,
  roomsPerMinute: 30,
  autocompleteMaxBytes: 256 * KiB,
  autocompletePerMinute: 240,
  pageBytesPerMinute: 32 * MiB,
  maxBufferedBytes: 4 * MiB,
  idleTimeoutSeconds: 60,
  maxPresenceBytes: 8 * KiB,
});

/** Largest code a room may hold by default, in UTF-8 bytes (2 MiB). */
export const MAX_CODE_BYTES: number = DEFAULT_LIMITS.maxDocumentBytes;

/**
 * Largest `POST /rooms` body for a document limit. JSON escaping can make code
 * longer than its UTF-8 form, so this leaves room above it.
 */
export function jsonBodyLimit(maxDocumentBytes: number): number {
  return 3 * maxDocumentBytes;
}

/** {@linkcode jsonBodyLimit} of the default document limit. */
export const MAX_JSON_BODY_BYTES: number = jsonBodyLimit(MAX_CODE_BYTES);

/**
 * Why a request or connection was refused: the `reason` field of its log
 * line and the `reason` label of `duet_rejections_total`.
 */
export type RejectionReason =
  | "message_too_large"
  | "document_too_large"
  | "room_full"
  | "too_many_connections"
  | "message_flood"
  | "too_slow"
  | "malformed_message"
  | "missing_dependency"
  | "content_refused"
  | "unsupported_message"
  | "presence_refused"
  | "presence_field_dropped"
  | "origin_refused"
  | "room_creation_rate"
  | "autocomplete_rate"
  | "page_render_rate"
  | "body_too_large"
  | "idle_timeout"
  | "storage_unavailable"
  | "read_only"
  | "link_revoked"
  | "room_deleted"
  | "internal_error";

/**
 * A byte count as people read it: `2 MiB`, `256 KiB`, `1.5 MiB`, `100 bytes`.
 *
 * @example
 * ```ts
 * formatBytes(2 * 1024 * 1024); // "2 MiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${trim(bytes / MiB)} MiB`;
  if (bytes >= KiB) return `${trim(bytes / KiB)} KiB`;
  return bytes === 1 ? "1 byte" : `${bytes} bytes`;
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export { utf8Length } from "../shared/utf8.ts";
