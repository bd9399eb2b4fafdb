import { promisify } from "node:util";
import { constants, gzip as zlibGzip } from "node:zlib";

const compress = promisify(zlibGzip);

/**
 * Gzips at the highest level. Static files are compressed once, when the
 * server starts, so the extra CPU time buys smaller downloads for nothing;
 * `scripts/build.ts` uses the same function so that the sizes it reports are
 * the bytes served.
 */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const compressed = await compress(bytes, { level: constants.Z_BEST_COMPRESSION });
  return new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength);
}
