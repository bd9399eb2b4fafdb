import * as Y from "yjs";
import { DEFAULT_LANGUAGE, languageOr } from "../shared/languages.ts";
import type { CreateRoomRequest } from "../web/requests.ts";
import { codeOf, initialDocumentState, languageOf } from "../sync/document.ts";
import { generateRoomId, isRoomId } from "./room_id.ts";
import { generateOwnerKey, hashOwnerKey } from "./owner_key.ts";
import type { RoomRegistry } from "../sync/registry.ts";
import type { ResolvedLink, RoomCatalog, RoomRecord } from "./store.ts";

/** A room just made: its record, read-only link id and owner key (shown once). */
export interface CreatedRoom extends RoomRecord {
  viewId: string;
  ownerKey: string;
}

/**
 * Creates and stores a new room with a read-only link and an owner key (only
 * its hash is stored). Its initial code goes into the document here, once;
 * later loads start from what is stored.
 */
export async function createRoom(
  rooms: RoomCatalog,
  request: CreateRoomRequest,
): Promise<CreatedRoom> {
  const language = request.language ?? DEFAULT_LANGUAGE;
  const code = request.code ?? "";
  const viewId = generateRoomId();
  const ownerKey = generateOwnerKey();
  const record = await rooms.create({
    roomId: generateRoomId(),
    viewId,
    ownerKeyHash: await hashOwnerKey(ownerKey),
    language,
    code,
    state: initialDocumentState(code, language),
  });
  return { ...record, language, viewId, ownerKey };
}

/** A room as one of its links opens it. */
export interface OpenedRoom {
  /** The room as stored (with the live code), its `roomId` the link's id. */
  record: RoomRecord;
  /** The room's stored links and settings; `control.roomId` is its internal id. */
  control: ResolvedLink;
}

/**
 * The room that `linkId` (an edit or a read-only link) opens, with the live
 * code; `undefined` when no room has that link. A malformed id never reaches
 * the database.
 */
export async function openRoom(
  rooms: RoomCatalog,
  registry: RoomRegistry,
  linkId: string,
): Promise<OpenedRoom | undefined> {
  if (!isRoomId(linkId)) return undefined;
  const control = await rooms.resolveLink(linkId);
  if (!control) return undefined;
  const record = await findRoom(rooms, registry, control.roomId);
  if (!record) return undefined;
  return { record: { ...record, roomId: linkId }, control };
}

/** Until when a room is kept without activity; `null` for ever. */
export function keptUntil(
  control: { keepDays: number | null; activeAt: Date },
  defaultDays: number,
): Date | null {
  const days = control.keepDays ?? defaultDays;
  return days === 0 ? null : new Date(control.activeAt.getTime() + days * 86_400_000);
}

/**
 * The room as stored, with the live code and language when the room is open
 * in this process (newer than the stored snapshot). `undefined` for no such room;
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

/** The address of a room's page, for links people share (edit or read-only alike). */
export function roomUrl(origin: string, roomId: string): string {
  return `${origin}/room/${roomId}`;
}
