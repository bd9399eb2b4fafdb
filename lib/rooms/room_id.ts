import { z } from "zod";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Length of a room id: 22 base62 characters carry 130.9 bits, over the 128 asked. */
export const ROOM_ID_LENGTH = 22;

/** A room id: exactly {@linkcode ROOM_ID_LENGTH} base62 characters. */
export const RoomIdSchema: z.ZodString = z.string().regex(
  new RegExp(`^[0-9A-Za-z]{${ROOM_ID_LENGTH}}$`),
  `Room id must be ${ROOM_ID_LENGTH} letters and digits`,
);

/** Whether `value` has the shape of a room id (it may still not exist). */
export function isRoomId(value: unknown): value is string {
  return RoomIdSchema.safeParse(value).success;
}

/** Options for {@linkcode generateRoomId}. */
export interface GenerateRoomIdOptions {
  /** Fills a buffer with random bytes; defaults to `crypto.getRandomValues`. */
  fillRandom?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * Returns a new random room id. Rejection sampling keeps every character
 * uniform: bytes at or above 248 (= 4 × 62) are drawn again.
 *
 * @example
 * ```ts
 * const roomId = generateRoomId(); // "4kQ0mZ1v8bYcR2dTe9LwXa"
 * ```
 */
export function generateRoomId(options: GenerateRoomIdOptions = {}): string {
  const fillRandom = options.fillRandom ??
    ((bytes: Uint8Array) => crypto.getRandomValues(bytes));
  const limit = 256 - (256 % ALPHABET.length);
  let id = "";
  const bytes = new Uint8Array(32);
  while (id.length < ROOM_ID_LENGTH) {
    fillRandom(bytes);
    for (const byte of bytes) {
      if (byte >= limit) continue;
      id += ALPHABET[byte % ALPHABET.length];
      if (id.length === ROOM_ID_LENGTH) break;
    }
  }
  return id;
}
