/**
 * The owner key in this browser: kept in `localStorage` by the room's edit
 * link id, taken from the `#owner=` fragment a form-made room arrives with,
 * and turned into the socket's proof. Loaded only when the page holds a key
 * (or the owner panel opens), so other visitors never download it.
 *
 * @module
 */
import {
  hashOwnerKey,
  OWNER_PROOF_TTL_SECONDS,
  ownerSocketProof,
} from "../../lib/shared/owner_proof.ts";

const FRAGMENT = /^#owner=([0-9A-Za-z]{22})$/;

/** Where this browser keeps a room's owner key. */
export function ownerKeyName(linkId: string): string {
  return `duet.ownerKey.${linkId}`;
}

/** Whether the page may hold an owner key (cheap: no crypto, no parsing). */
export function mayHoldOwnerKey(linkId: string): boolean {
  try {
    return FRAGMENT.test(location.hash) || localStorage.getItem(ownerKeyName(linkId)) !== null;
  } catch {
    return FRAGMENT.test(location.hash);
  }
}

/** The key this browser keeps for the room, or `null`. */
export function readOwnerKey(linkId: string): string | null {
  try {
    return localStorage.getItem(ownerKeyName(linkId));
  } catch {
    return null;
  }
}

/** Keeps a key (storage blocked: it works for this visit only). */
export function writeOwnerKey(linkId: string, key: string): void {
  try {
    localStorage.setItem(ownerKeyName(linkId), key);
  } catch {
    // Blocked storage.
  }
}

/**
 * The owner key for the room: from `#owner=<key>` (kept, and taken out of the
 * address bar and history at once, so it is not shared with the link), else
 * the one kept.
 */
export function takeOwnerKey(linkId: string): string | null {
  const match = FRAGMENT.exec(location.hash);
  if (match) {
    writeOwnerKey(linkId, match[1]);
    history.replaceState(history.state, "", location.pathname + location.search);
    return match[1];
  }
  return readOwnerKey(linkId);
}

/** The socket's proof that this browser holds the room's owner key, valid for a week. */
export async function ownerProof(linkId: string): Promise<string | undefined> {
  const key = takeOwnerKey(linkId);
  if (!key) return undefined;
  return await ownerSocketProof(
    await hashOwnerKey(key),
    Date.now() / 1000 + OWNER_PROOF_TTL_SECONDS - 60,
  );
}
