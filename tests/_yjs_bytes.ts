/**
 * Hand-written Yjs updates for tests that need bytes Yjs itself would never
 * write (hostile or malformed input), in the update format's own terms.
 *
 * @module
 */
import * as encoding from "lib0/encoding";

/** The bytes `write` puts in a fresh lib0 encoder. */
export function encode(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/**
 * An update with one item of client `client` at clock 0, under the root type
 * `root`: `info` is the item's info byte (its content kind in the low bits),
 * `content` writes the content, and the delete set is empty.
 */
export function itemUpdate(
  info: number,
  content: (encoder: encoding.Encoder) => void,
  { client = 9, root = "code" }: { client?: number; root?: string } = {},
): Uint8Array {
  return encode((e) => {
    encoding.writeVarUint(e, 1); // one client
    encoding.writeVarUint(e, 1); // one struct
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, 0); // first clock
    encoding.writeUint8(e, info);
    encoding.writeVarUint(e, 1); // parent is a root type, by name
    encoding.writeVarString(e, root);
    content(e);
    encoding.writeVarUint(e, 0); // empty delete set
  });
}
