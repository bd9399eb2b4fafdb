import type { Handlers } from "../../lib/web/app.ts";
import { HttpError } from "../../lib/web/errors.ts";
import { findRoom } from "../../lib/rooms/service.ts";

export const handler: Handlers = {
  async GET(c) {
    const roomId = c.req.param("roomId") ?? "";
    const room = await findRoom(c.var.services.rooms, c.var.services.registry, roomId);
    if (!room) throw new HttpError(404, "Room not found");
    // The code changes with every keystroke: no cache may keep it.
    c.header("cache-control", "no-store");
    return c.json(room);
  },
};
