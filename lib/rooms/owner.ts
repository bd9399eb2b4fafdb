import { z } from "zod";
import type { RoomCatalog, RoomControl, RoomSettingsChange } from "./store.ts";
import { HttpError } from "../web/errors.ts";
import type { RoomRegistry } from "../sync/registry.ts";
import { verifyOwnerKey } from "./owner_key.ts";
import { generateRoomId, isRoomId } from "./room_id.ts";
import { keptUntil, roomUrl } from "./service.ts";

/** Longest a room can be kept without activity, in days (100 years). */
export const MAX_KEEP_DAYS = 36_500;

/** `PATCH /rooms/:id/settings`: what the owner may change; omitted fields stay. */
export const RoomSettingsRequestSchema = z.object({
  /** Lock editing: only the owner's connection edits. */
  locked: z.boolean().optional(),
  /** Days kept without activity (0: for ever); `null` follows the server default. */
  keepDays: z.number().int().min(0).max(MAX_KEEP_DAYS).nullable().optional(),
  /** Turn the read-only link on (a new one when it was off) or off. */
  viewLink: z.boolean().optional(),
}).strict();

/** A validated settings change. */
export type RoomSettingsRequest = z.infer<typeof RoomSettingsRequestSchema>;

/** `POST /rooms/:id/rotate`: which link to replace. */
export const RotateRequestSchema = z.object({ link: z.enum(["edit", "view"]) }).strict();

/** A validated rotation request. */
export type RotateRequest = z.infer<typeof RotateRequestSchema>;

/** What the owner sees: the links, the lock and how long the room is kept. */
export interface OwnerSettings {
  editUrl: string;
  /** `null`: the read-only link is off. */
  viewUrl: string | null;
  locked: boolean;
  /** The room's own setting; `null` follows the server's default (`defaultKeepDays`). */
  keepDays: number | null;
  defaultKeepDays: number;
  /** ISO time until which the room is kept without activity; `null` for ever. */
  keptUntil: string | null;
}

/** Options the owner actions need besides the room. */
export interface OwnerContext {
  rooms: RoomCatalog;
  registry: RoomRegistry;
  /** Origin for links. */
  origin: string;
  /** `DUET_ROOM_TTL_DAYS`. */
  defaultKeepDays: number;
}

const FORBIDDEN = "Send this room's owner key as Authorization: Bearer <ownerKey>";

/**
 * The room `linkId` opens when `authorization` carries its owner key; else a
 * 403 that reads the same whether or not the room exists.
 */
export async function authorizeOwner(
  rooms: RoomCatalog,
  linkId: string,
  authorization: string | undefined,
): Promise<RoomControl> {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  const control = isRoomId(linkId) ? await rooms.resolveLink(linkId) : undefined;
  // Always compared (with a hash of nothing when there is no room), so neither
  // the answer nor its time tells whether the room exists.
  const granted = await verifyOwnerKey(key, control?.ownerKeyHash);
  if (!control || !granted) throw new HttpError(403, FORBIDDEN, { code: "forbidden" });
  return control;
}

/** The owner's view of a room's settings. */
export function ownerSettings(control: RoomControl, context: OwnerContext): OwnerSettings {
  const until = keptUntil(control, context.defaultKeepDays);
  return {
    editUrl: roomUrl(context.origin, control.editId),
    viewUrl: control.viewId === null ? null : roomUrl(context.origin, control.viewId),
    locked: control.locked,
    keepDays: control.keepDays,
    defaultKeepDays: context.defaultKeepDays,
    keptUntil: until?.toISOString() ?? null,
  };
}

/** Applies a settings change, tells every process, and returns the new settings. */
export async function changeSettings(
  control: RoomControl,
  request: RoomSettingsRequest,
  context: OwnerContext,
): Promise<OwnerSettings> {
  const change: RoomSettingsChange = { locked: request.locked, keepDays: request.keepDays };
  if (request.viewLink === false) change.viewId = null;
  if (request.viewLink === true && control.viewId === null) change.viewId = generateRoomId();
  return await applyChange(control, change, context);
}

/** Replaces the edit or read-only link; connections through the old one are closed. */
export async function rotateLink(
  control: RoomControl,
  request: RotateRequest,
  context: OwnerContext,
): Promise<OwnerSettings> {
  const change: RoomSettingsChange = request.link === "edit"
    ? { editId: generateRoomId() }
    : { viewId: generateRoomId() };
  return await applyChange(control, change, context);
}

/** Deletes the room and its log; everyone in it is told (4410). */
export async function deleteRoom(control: RoomControl, context: OwnerContext): Promise<void> {
  await context.rooms.delete(control.roomId);
  await context.registry.roomChanged(control.roomId);
}

async function applyChange(
  control: RoomControl,
  change: RoomSettingsChange,
  context: OwnerContext,
): Promise<OwnerSettings> {
  const updated = await context.rooms.updateControl(control.roomId, change);
  if (!updated) throw new HttpError(403, FORBIDDEN, { code: "forbidden" });
  await context.registry.roomChanged(control.roomId);
  return ownerSettings(updated, context);
}
