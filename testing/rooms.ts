/**
 * Rooms made over HTTP, the way people make them, for tests and benchmarks.
 *
 * @module
 */

/** What answers Duet's HTTP API: a server or its address, or an app called in memory. */
export type HttpTarget = string | { url: string } | {
  request(path: string, init?: RequestInit): Promise<Response>;
};

/** The body of `POST /rooms`. */
export interface NewRoomBody {
  language?: string;
  code?: string;
}

/** What `POST /rooms` answers. */
export interface CreatedRoom {
  roomId: string;
  /** The room page's address. */
  url: string;
  language: string;
}

/** Sends `init` to `path` (e.g. `/rooms`) of `target`. */
export async function requestFrom(
  target: HttpTarget,
  path: string,
  init?: RequestInit,
): Promise<Response> {
  if (typeof target === "string") return await fetch(`${target}${path}`, init);
  if ("url" in target) return await fetch(`${target.url}${path}`, init);
  return await target.request(path, init);
}

/**
 * Creates a room with `POST /rooms` (a JSON body when `body` is given) and
 * throws, with the answer, unless it was created.
 */
export async function createRoom(target: HttpTarget, body?: NewRoomBody): Promise<CreatedRoom> {
  const response = await requestFrom(target, "/rooms", {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST /rooms answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return JSON.parse(text);
}
