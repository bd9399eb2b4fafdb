import type { Handlers } from "../../../lib/web/app.ts";
import { parseJsonRequest, readBodyText } from "../../../lib/web/requests.ts";
import {
  authorizeOwner,
  changeSettings,
  ownerSettings,
  RoomSettingsRequestSchema,
} from "../../../lib/rooms/owner.ts";
import { ownerContext } from "../../../lib/rooms/owner_context.ts";

const MAX_BODY_BYTES = 1024;

export const handler: Handlers = {
  // The owner's view: links, lock, how long the room is kept.
  async GET(c) {
    const control = await authorizeOwner(
      c.var.services.rooms,
      c.req.param("roomId") ?? "",
      c.req.header("authorization"),
    );
    c.header("cache-control", "no-store");
    return c.json(ownerSettings(control, ownerContext(c)));
  },
  // Lock or unlock, turn the read-only link on or off, set how long the room is kept.
  async PATCH(c) {
    const control = await authorizeOwner(
      c.var.services.rooms,
      c.req.param("roomId") ?? "",
      c.req.header("authorization"),
    );
    const text = await readBodyText(c, MAX_BODY_BYTES);
    const request = parseJsonRequest(RoomSettingsRequestSchema, text);
    c.header("cache-control", "no-store");
    return c.json(await changeSettings(control, request, ownerContext(c)));
  },
};
