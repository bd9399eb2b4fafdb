import type { Handlers } from "../../lib/app.ts";
import { HttpError } from "../../lib/errors.ts";
import { isRoomId } from "../../lib/room_id.ts";
import { findRoom } from "../../lib/rooms.ts";

export const handler: Handlers = {
  async GET(c) {
    const roomId = c.req.param("roomId") ?? "";
    // A malformed id never reaches the database.
    const room = isRoomId(roomId)
      ? await findRoom(c.var.services.rooms, c.var.services.registry, roomId)
      : undefined;
    if (!room) throw new HttpError(404, "Room not found");
    return c.json(room);
  },
};
