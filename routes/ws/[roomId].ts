import { z } from "zod";
import type { Handlers } from "../../lib/app.ts";
import { HttpError } from "../../lib/errors.ts";
import { isRoomId } from "../../lib/room_id.ts";

// `?saved=<clientID>`: the page wants save receipts for that Yjs client's edits.
const QuerySchema = z.object({
  saved: z.coerce.number().int().nonnegative().max(2 ** 32).optional(),
});

export const handler: Handlers = {
  // Every check happens before the upgrade, so a refusal is a plain HTTP answer.
  async GET(c) {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(400, "This address takes WebSocket connections only");
    }
    const roomId = c.req.param("roomId") ?? "";
    const { rooms, registry, hub } = c.var.services;
    const exists = isRoomId(roomId) &&
      (registry.get(roomId) !== undefined || await rooms.exists(roomId));
    if (!exists) throw new HttpError(404, "Room not found");
    // Deno pings idle sockets and closes those that stop answering.
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 60 });
    const query = QuerySchema.safeParse(c.req.query());
    hub.accept(roomId, socket, { savedClientId: query.success ? query.data.saved : undefined });
    return response;
  },
};
