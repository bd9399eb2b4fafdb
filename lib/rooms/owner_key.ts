import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import {
  hashOwnerKey,
  OWNER_PROOF_TTL_SECONDS,
  proofKey,
  proofMessage,
} from "../shared/owner_proof.ts";
import { generateRoomId, ROOM_ID_LENGTH } from "./room_id.ts";

export { hashOwnerKey } from "../shared/owner_proof.ts";

/** An owner key: 22 base62 characters (130 random bits), like a room id. */
export const OwnerKeySchema: z.ZodString = z.string().regex(
  new RegExp(`^[0-9A-Za-z]{${ROOM_ID_LENGTH}}$`),
  "Owner key must be 22 letters and digits",
);

/** A new random owner key. */
export function generateOwnerKey(): string {
  return generateRoomId();
}

/**
 * Whether `presented` is the key whose hash is `storedHash`. The hashes are
 * compared in constant time; a malformed key or a room without an owner
 * (`null`) is never a match.
 */
export async function verifyOwnerKey(
  presented: string | undefined,
  storedHash: Uint8Array | null | undefined,
): Promise<boolean> {
  const parsed = OwnerKeySchema.safeParse(presented);
  // Hash even when there is nothing to compare with, so the answer takes as long.
  const hash = await hashOwnerKey(parsed.success ? parsed.data : "");
  if (!parsed.success || !storedHash || storedHash.byteLength !== hash.byteLength) return false;
  return timingSafeEqual(hash, storedHash);
}

const ProofSchema = z.string().regex(/^\d{1,12}\.[0-9a-f]{64}$/);

/**
 * Whether `proof` (the socket URL's `owner` parameter) was made with the key
 * whose hash is `storedHash` and has not expired at `nowMs`. A proof valid for
 * longer than the page ever makes one is refused too.
 */
export async function verifyOwnerSocketProof(
  proof: string | undefined,
  storedHash: Uint8Array | null | undefined,
  nowMs: number,
): Promise<boolean> {
  if (!storedHash || !ProofSchema.safeParse(proof).success) return false;
  const [expiresText, hex] = proof!.split(".");
  const expires = Number(expiresText);
  const now = nowMs / 1000;
  if (expires <= now || expires > now + OWNER_PROOF_TTL_SECONDS + 60) return false;
  const mac = new Uint8Array(hex.match(/../g)!.map((pair) => parseInt(pair, 16)));
  return await crypto.subtle.verify("HMAC", await proofKey(storedHash), mac, proofMessage(expires));
}
