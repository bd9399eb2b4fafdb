import type { Handlers } from "../../lib/web/app.ts";
import { HttpError } from "../../lib/web/errors.ts";
import { openRoom } from "../../lib/rooms/service.ts";
import { authorizeOwner, deleteRoom } from "../../lib/rooms/owner.ts";
import { ownerContext } from "../../lib/rooms/owner_context.ts";

export const handler: Handlers = {
  async GET(c) {
    const roomId = c.req.param("roomId") ?? "";
    const opened = await openRoom(c.var.services.rooms, c.var.services.registry, roomId);
    if (!opened) throw new HttpError(404, "Room not found");
    // The code changes with every keystroke: no cache may keep it.
    c.header("cache-control", "no-store");
    return c.json({ ...opened.record, access: opened.control.access });
  },
  // The owner deletes the room: everyone in it is told, its rows are removed.
  async DELETE(c) {
    const linkId = c.req.param("roomId") ?? "";
    const control = await authorizeOwner(
      c.var.services.rooms,
      linkId,
      c.req.header("authorization"),
    );
    await deleteRoom(control, ownerContext(c));
    return c.body(null, 204);
  },
};
