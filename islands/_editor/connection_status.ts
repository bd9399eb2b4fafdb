/**
 * What the status pill says, derived from plain facts about the connection,
 * so that it can be tested without a socket.
 *
 * @module
 */
import { CloseCode } from "../../lib/shared/wire.ts";

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

/** Inputs of {@linkcode describeStatus}. */
export interface StatusFacts {
  /** The socket is open. */
  connected: boolean;
  /** The socket has been open at least once. */
  everConnected: boolean;
  /** `navigator.onLine` */
  online: boolean;
  /** The server ended the session for good (see `isFinalClose` in lib/shared/wire.ts), with its close code and reason. */
  closed: { code: number; reason: string } | null;
  /** The server's reason for the last close it takes back (e.g. "Connection too slow"). */
  dropped?: string | null;
}

/** Turns connection facts into the status pill's phase and text. */
export function describeStatus(facts: StatusFacts): ConnectionStatus {
  if (facts.closed !== null) {
    const { code, reason } = facts.closed;
    const text = code === CloseCode.roomNotFound
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
