/**
 * What the status pill says, derived from plain facts about the connection,
 * so that it can be tested without a socket.
 *
 * @module
 */

/** Where the connection stands. */
export type ConnectionPhase =
  | "connecting"
  | "connected"
  | "reconnecting"
  | "offline"
  | "closed";

/** What the status pill shows. */
export interface ConnectionStatus {
  phase: ConnectionPhase;
  text: string;
}

/** The status before the first connection. */
export const INITIAL_STATUS: ConnectionStatus = {
  phase: "connecting",
  text: "Connecting…",
};

/** Close code the server uses for a room that was deleted or never existed. */
export const ROOM_GONE_CLOSE_CODE = 4404;

/** Inputs of {@linkcode describeStatus}. */
export interface StatusFacts {
  /** The socket is open. */
  connected: boolean;
  /** The socket has been open at least once. */
  everConnected: boolean;
  /** `navigator.onLine` */
  online: boolean;
  /** The server ended the session for good (see {@linkcode isFinalClose}), with its close code and reason. */
  closed: { code: number; reason: string } | null;
  /** The server's reason for the last close it takes back (e.g. "Connection too slow"). */
  dropped?: string | null;
}

/**
 * Whether a close code ends the session for good, so the page stops
 * reconnecting and shows the server's reason: 4400–4499 (the room is gone,
 * full or at its size limit), and 1009 (a change too large to send would only
 * be refused again).
 */
export function isFinalClose(code: number): boolean {
  return (code >= 4400 && code <= 4499) || code === 1009;
}

/** Turns connection facts into the status pill's phase and text. */
export function describeStatus(facts: StatusFacts): ConnectionStatus {
  if (facts.closed !== null) {
    const { code, reason } = facts.closed;
    const text = code === ROOM_GONE_CLOSE_CODE
      ? "This room no longer exists"
      : reason.trim() || `Disconnected by the server (code ${code})`;
    return { phase: "closed", text };
  }
  if (!facts.online) return { phase: "offline", text: "Offline" };
  if (facts.connected) return { phase: "connected", text: "Connected" };
  if (facts.everConnected) {
    const why = facts.dropped?.trim();
    return { phase: "reconnecting", text: why ? `Reconnecting… (${why})` : "Reconnecting…" };
  }
  return INITIAL_STATUS;
}
