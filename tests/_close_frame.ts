import type { RawSocket } from "./_raw_socket.ts";

/** What a raw socket read until the server closed it. */
export interface ServerFrames {
  /** Binary messages, in order. */
  messages: Uint8Array[];
  /** The close frame's code, if the server sent one. */
  closeCode?: number;
  closeReason?: string;
}

/**
 * Reads server frames (unmasked, unfragmented, as Deno sends them) from a raw
 * socket until the server closes, or until `timeoutMs` passes.
 */
export async function readUntilClose(socket: RawSocket, timeoutMs = 10_000): Promise<ServerFrames> {
  let bytes = Uint8Array.from(socket.rest);
  const buffer = new Uint8Array(65536);
  const frames: ServerFrames = { messages: [] };
  const timer = setTimeout(() => socket.close(), timeoutMs);
  try {
    while (true) {
      // Parse the complete frames we have.
      while (bytes.length >= 2) {
        const opcode = bytes[0] & 0x0f;
        let length = bytes[1] & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (bytes.length < 4) break;
          length = (bytes[2] << 8) | bytes[3];
          offset = 4;
        } else if (length === 127) {
          if (bytes.length < 10) break;
          length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
          offset = 10;
        }
        if (bytes.length < offset + length) break;
        const payload = bytes.slice(offset, offset + length);
        bytes = bytes.slice(offset + length);
        if (opcode === 0x2) frames.messages.push(payload);
        if (opcode === 0x8) {
          frames.closeCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : undefined;
          frames.closeReason = new TextDecoder().decode(payload.subarray(2));
          return frames;
        }
      }
      let n: number | null;
      try {
        n = await socket.conn.read(buffer);
      } catch {
        return frames;
      }
      if (n === null) return frames;
      const next = new Uint8Array(bytes.length + n);
      next.set(bytes);
      next.set(buffer.subarray(0, n), bytes.length);
      bytes = next;
    }
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}
