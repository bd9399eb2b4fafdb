/**
 * The wire contract between the server and the editor island, in one
 * dependency-free module both import: socket message types (y-websocket's and
 * Duet's save receipts), close codes and which of them end a session, the
 * socket and autocomplete addresses, and the autocomplete request and answer.
 *
 * @module
 */
import type { LanguageId } from "./languages.ts";

/** Top-level message types of the y-websocket protocol, and Duet's own. */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  /**
   * Duet's own: save receipts `[type, status, clock]`, sent only to
   * connections that asked with {@linkcode SAVED_CLIENT_PARAM} (the stock
   * provider logs unknown types as errors).
   */
  durability: 100,
  /**
   * Duet's own: runs of the room's code and their output (a JSON body, see
   * `run_wire.ts`), sent only to connections that asked with
   * {@linkcode RUNS_PARAM}.
   */
  run: 101,
  /**
   * Duet's own: `[type, flags]` ({@linkcode AccessFlag} bits), whether this
   * connection may edit and whether the room is locked; sent on join and on
   * every change to connections that asked with {@linkcode ACCESS_PARAM}.
   */
  access: 102,
} as const;

/** Bits of an access message's one number. */
export const AccessFlag = {
  /** This connection's edits are accepted. */
  mayEdit: 1,
  /** The owner locked the room: only the owner edits. */
  locked: 2,
  /** This connection came through the read-only link. */
  viewOnly: 4,
} as const;

/** Query parameter (`=1`) by which a socket asks for access messages. */
export const ACCESS_PARAM = "access";

/** Query parameter carrying the owner's proof of the key (see `owner_proof.ts`). */
export const OWNER_PARAM = "owner";

/** What a durability message says (its second varuint). */
export const DurabilityStatus = {
  /** Your edits up to this clock are in the database. */
  saved: 0,
  /** The database cannot be written; edits are kept and retried (clock 0). */
  storageUnavailable: 1,
} as const;

/** The live-sync socket's path; the room id follows it: `/ws/:roomId`. */
export const SOCKET_PATH = "/ws";

/** Query parameter by which a socket asks for save receipts of one Yjs client's edits. */
export const SAVED_CLIENT_PARAM = "saved";

/** Query parameter (`=1`) by which a socket asks for the room's runs. */
export const RUNS_PARAM = "runs";

/** WebSocket close codes Duet uses; see {@linkcode isFinalClose} for which end a session. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  serviceRestart: 1012,
  /** Changes cannot be saved right now; the client reconnects and sends them again. */
  tryAgainLater: 1013,
  /** The owner rotated or turned off the link this connection came through. */
  linkRevoked: 4401,
  /** A document change from a connection that may not edit (read-only link, locked room). */
  readOnly: 4403,
  /** The room was deleted or never existed. */
  roomNotFound: 4404,
  /** The owner deleted the room, or it expired, while this connection was in it. */
  roomDeleted: 4410,
  /** The room has reached its size limit; the page says so and stops retrying. */
  documentTooLarge: 4413,
  /** An update puts content in the document that Duet cannot show or does not use. */
  contentRefused: 4422,
  /** The room has as many people as it may hold. */
  roomFull: 4429,
} as const;

/** Close codes from here to {@linkcode FINAL_CLOSE_LAST} end the session for good. */
export const FINAL_CLOSE_FIRST = 4400;
/** The last of the final close codes. */
export const FINAL_CLOSE_LAST = 4499;

/**
 * Whether a close code ends the session for good, so the page stops
 * reconnecting and shows the server's reason: 4400–4499 (the room is gone,
 * full or at its size limit), and 1009 (a change too large to send would only
 * be refused again).
 */
export function isFinalClose(code: number): boolean {
  return (code >= FINAL_CLOSE_FIRST && code <= FINAL_CLOSE_LAST) || code === CloseCode.tooBig;
}

/** The path of the autocomplete endpoint (`POST`). */
export const AUTOCOMPLETE_PATH = "/autocomplete";

/** What the editor sends to `POST /autocomplete`. */
export interface AutocompleteRequest {
  code: string;
  /** UTF-16 offset of the cursor in `code`. */
  cursorPosition: number;
  language: LanguageId;
}

/** What `POST /autocomplete` answers; `""` means no suggestion. */
export interface AutocompleteResponse {
  suggestion: string;
}
