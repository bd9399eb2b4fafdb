import type { Handlers } from "../../../lib/web/app.ts";
import { HttpError } from "../../../lib/web/errors.ts";
import { openRoom } from "../../../lib/rooms/service.ts";

export const handler: Handlers = {
  // The code as a plain file, through the edit or the read-only link (`curl -o`).
  async GET(c) {
    const roomId = c.req.param("roomId") ?? "";
    const opened = await openRoom(c.var.services.rooms, c.var.services.registry, roomId);
    if (!opened) throw new HttpError(404, "Room not found");
    c.header("cache-control", "no-store");
    c.header("x-content-type-options", "nosniff");
    return c.body(opened.record.code, 200, { "content-type": "text/plain; charset=utf-8" });
  },
};
