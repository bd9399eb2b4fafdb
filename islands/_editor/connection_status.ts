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
  /** The server ended the session for good (4400–4499), with its close code and reason. */
  closed: { code: number; reason: string } | null;
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
    return { phase: "reconnecting", text: "Reconnecting…" };
  }
  return INITIAL_STATUS;
}
