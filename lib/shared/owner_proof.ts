/**
 * The owner key's derived values, computed alike by the server and the page
 * (WebCrypto only, no other imports). The server stores only
 * {@linkcode hashOwnerKey}; the page proves on the socket URL that it holds
 * the key with {@linkcode ownerSocketProof}: an HMAC under that hash with an
 * expiry, so the raw key never travels in a URL and a proof seen in a log
 * expires.
 *
 * @module
 */

/** How long a socket proof the page makes is valid. */
export const OWNER_PROOF_TTL_SECONDS = 7 * 24 * 60 * 60;

const encoder = new TextEncoder();

/** SHA-256 of the owner key (what the server stores). */
export async function hashOwnerKey(ownerKey: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(ownerKey)));
}

/** The HMAC key a room's owner proofs are made and checked with. */
export async function proofKey(keyHash: Uint8Array): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "raw",
    new Uint8Array(keyHash),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** What a proof signs: its purpose and expiry. */
export function proofMessage(expiresAtSeconds: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`duet-owner-socket:${expiresAtSeconds}`);
}

/**
 * `<expiresAtSeconds>.<hex HMAC>`: the `owner` parameter of the socket URL.
 *
 * @example
 * ```ts
 * const proof = await ownerSocketProof(await hashOwnerKey(key), Date.now() / 1000 + 3600);
 * ```
 */
export async function ownerSocketProof(
  keyHash: Uint8Array,
  expiresAtSeconds: number,
): Promise<string> {
  const expires = Math.floor(expiresAtSeconds);
  const mac = await crypto.subtle.sign("HMAC", await proofKey(keyHash), proofMessage(expires));
  const hex = [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${expires}.${hex}`;
}
