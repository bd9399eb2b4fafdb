import * as Y from "yjs";
import { DEFAULT_LANGUAGE, languageOr } from "../shared/languages.ts";
import type { CreateRoomRequest } from "../web/requests.ts";
import { codeOf, initialDocumentState, languageOf } from "../sync/document.ts";
import { generateRoomId, isRoomId } from "./room_id.ts";
import type { RoomRegistry } from "../sync/registry.ts";
import type { RoomCatalog, RoomRecord } from "./store.ts";

/**
 * Creates and stores a new room. Its initial code goes into the document
 * here, once; later loads start from what is stored.
 */
export async function createRoom(
  rooms: RoomCatalog,
  request: CreateRoomRequest,
): Promise<RoomRecord> {
  const language = request.language ?? DEFAULT_LANGUAGE;
  const code = request.code ?? "";
  const created = await rooms.create({
    roomId: generateRoomId(),
    language,
    code,
    state: initialDocumentState(code, language),
  });
  return { ...created, language };
}

/**
 * The room as stored, with the live code and language when the room is open
 * in this process (newer than the last flush). `undefined` for no such room;
 * a malformed id never reaches the database.
 */
export async function findRoom(
  rooms: RoomCatalog,
  registry: RoomRegistry,
  roomId: string,
): Promise<RoomRecord | undefined> {
  if (!isRoomId(roomId)) return undefined;
  const live = registry.get(roomId);
  const found = await rooms.find(roomId);
  if (!found) return undefined;
  const { logRowsPending, ...rest } = found;
  const record: RoomRecord = { ...rest, language: languageOr(rest.language) };
  if (live) return { ...record, code: live.code, language: live.language };
  if (!logRowsPending) return record;
  // Log rows not yet folded into the snapshot (a process stopped without
  // compacting) are newer than the stored plain text: rebuild the document.
  const stored = await rooms.load(roomId);
  if (!stored?.updates.length) return record;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, stored.state);
  for (const row of stored.updates) Y.applyUpdate(doc, row.update);
  const current = { ...record, code: codeOf(doc), language: languageOf(doc, record.language) };
  doc.destroy();
  return current;
}

/** The address of a room's page, for links people share. */
export function roomUrl(origin: string, roomId: string): string {
  return `${origin}/room/${roomId}`;
}
