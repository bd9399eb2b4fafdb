/** Largest code a room may hold, in UTF-8 bytes (about 2 MiB). */
export const MAX_CODE_BYTES = 2 * 1024 * 1024;

/**
 * Largest JSON request body, in bytes. JSON escaping can make code longer
 * than its UTF-8 form, so this leaves room above {@linkcode MAX_CODE_BYTES}.
 */
export const MAX_JSON_BODY_BYTES = 3 * MAX_CODE_BYTES;

/** Size in UTF-8 bytes of a string, without allocating its encoding. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
