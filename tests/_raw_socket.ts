/**
 * A WebSocket client written by hand over TCP, for the clients a browser
 * never is: one that never reads, one that never answers pings.
 *
 * @module
 */

/** Options for {@linkcode openRawSocket}. */
export interface RawSocketOptions {
  /** Extra handshake headers, e.g. `origin`. */
  headers?: Record<string, string>;
}

/** A hand-made WebSocket connection. */
export interface RawSocket {
  conn: Deno.TcpConn;
  /** The status line and headers the server answered the handshake with. */
  head: string;
  /** Bytes read after the handshake, if any. */
  rest: Uint8Array;
  /** Sends one masked binary frame. */
  send(payload: Uint8Array): Promise<void>;
  /** Reads (and drops) everything until the server closes; resolves with the bytes read. */
  drain(): Promise<number>;
  close(): void;
}

/** Opens `ws://host:port/path` by hand and reads only the handshake answer. */
export async function openRawSocket(
  url: string,
  options: RawSocketOptions = {},
): Promise<RawSocket> {
  const target = new URL(url);
  const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const headers = {
    host: target.host,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": key,
    "sec-websocket-version": "13",
    ...options.headers,
  };
  const request = `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  await conn.write(new TextEncoder().encode(request));
  let received = new Uint8Array(0);
  const buffer = new Uint8Array(4096);
  let end = -1;
  while (end < 0) {
    const n = await conn.read(buffer);
    if (n === null) break;
    received = Uint8Array.of(...received, ...buffer.subarray(0, n));
    end = indexOfHeadEnd(received);
  }
  const headEnd = end < 0 ? received.length : end;
  const head = new TextDecoder().decode(received.subarray(0, headEnd));
  const rest = received.subarray(Math.min(received.length, headEnd + 4));
  let closed = false;
  return {
    conn,
    head,
    rest,
    async send(payload) {
      await conn.write(frame(payload));
    },
    async drain() {
      let total = 0;
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) return total;
          total += n;
        }
      } catch {
        return total;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Already closed by the other side.
      }
    },
  };
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** A final, masked binary frame, as clients must send. */
function frame(payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const header = length < 126
    ? [0x82, 0x80 | length]
    : length < 65536
    ? [0x82, 0x80 | 126, length >> 8, length & 0xff]
    : [
      0x82,
      0x80 | 127,
      0,
      0,
      0,
      0,
      (length >>> 24) & 0xff,
      (length >>> 16) & 0xff,
      (length >>> 8) & 0xff,
      length & 0xff,
    ];
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const bytes = new Uint8Array(header.length + 4 + length);
  bytes.set(header);
  bytes.set(mask, header.length);
  for (let i = 0; i < length; i++) bytes[header.length + 4 + i] = payload[i] ^ mask[i % 4];
  return bytes;
}

/** One frame the server sent: its opcode (2 binary, 8 close) and payload. */
export interface ServerFrame {
  opcode: number;
  payload: Uint8Array;
  /** For a close frame, its code. */
  closeCode?: number;
}

/** Reads the server's frames one by one, starting with those that came with the handshake. */
export function frameReader(socket: RawSocket): { next(): Promise<ServerFrame | null> } {
  let bytes = socket.rest;
  const buffer = new Uint8Array(64 * 1024);
  const more = async (): Promise<boolean> => {
    const n = await socket.conn.read(buffer).catch(() => null);
    if (n === null) return false;
    bytes = Uint8Array.of(...bytes, ...buffer.subarray(0, n));
    return true;
  };
  return {
    async next() {
      while (true) {
        // Server frames are not masked.
        if (bytes.length >= 2) {
          let length = bytes[1] & 0x7f;
          let offset = 2;
          if (length === 126 && bytes.length >= 4) {
            length = (bytes[2] << 8) | bytes[3];
            offset = 4;
          } else if (length === 127 && bytes.length >= 10) {
            length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
            offset = 10;
          }
          if ((length < 126 || offset > 2) && bytes.length >= offset + length) {
            const opcode = bytes[0] & 0x0f;
            const payload = bytes.slice(offset, offset + length);
            bytes = bytes.slice(offset + length);
            return {
              opcode,
              payload,
              closeCode: opcode === 8 && length >= 2 ? (payload[0] << 8) | payload[1] : undefined,
            };
          }
        }
        if (!await more()) return null;
      }
    },
  };
}
