/**
 * What the save indicator says, from plain facts: how far this person's own
 * edits go, how far the server says it has saved them, and whether it can.
 *
 * @module
 */

/** Where this person's edits stand. */
export type SavePhase = "saved" | "saving" | "unsaved";

/** What the save indicator shows. */
export interface SaveState {
  phase: SavePhase;
  text: string;
  /** A longer explanation for the tooltip and screen readers. */
  detail: string;
}

/** Facts the save state is derived from. */
export interface SaveFacts {
  /** This client's own Yjs clock: how many of its edits exist. */
  localClock: number;
  /** The server's last receipt: its edits up to here are in the database. */
  savedClock: number;
  /** The server said it cannot write to its database. */
  storageDown: boolean;
  connected: boolean;
  /**
   * `navigator.onLine`. Offline, a socket can still look open for a while
   * (nothing is sent until it times out), so this alone means not saved.
   */
  online: boolean;
}

/** The state before any edit or receipt. */
export const INITIAL_SAVE_STATE: SaveState = {
  phase: "saved",
  text: "Saved",
  detail: "Everything you see is saved",
};

/** Describes the save state; never says saved before the server has confirmed it. */
export function describeSave(facts: SaveFacts): SaveState {
  if (facts.localClock <= facts.savedClock) return INITIAL_SAVE_STATE;
  if (!facts.connected || !facts.online) {
    return {
      phase: "unsaved",
      text: "Not saved",
      detail:
        "Your latest changes are kept in this tab and will be saved when the connection returns",
    };
  }
  if (facts.storageDown) {
    return {
      phase: "unsaved",
      text: "Not saved",
      detail: "The server cannot reach its database; it keeps your changes and keeps trying",
    };
  }
  return { phase: "saving", text: "Saving…", detail: "Saving your latest changes" };
}
