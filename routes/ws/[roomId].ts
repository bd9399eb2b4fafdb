import { z } from "zod";
import { clientAddress, type Handlers } from "../../lib/web/app.ts";
import { HttpError } from "../../lib/web/errors.ts";
import { isAllowedOrigin } from "../../lib/web/origin_policy.ts";
import { isRoomId } from "../../lib/rooms/room_id.ts";
import {
  ACCESS_PARAM,
  OWNER_PARAM,
  RUNS_PARAM,
  SAVED_CLIENT_PARAM,
} from "../../lib/shared/wire.ts";
import { verifyOwnerSocketProof } from "../../lib/rooms/owner_key.ts";

// `?saved=<clientID>`: the page wants save receipts for that Yjs client's edits.
// `?access=1`: it wants to hear whether it may edit. `?owner=<proof>`: it holds
// the owner key (see lib/shared/owner_proof.ts) and edits while the room is locked.
// `?runs=1`: it shows the room's runs.
const QuerySchema = z.object({
  [SAVED_CLIENT_PARAM]: z.coerce.number().int().nonnegative().max(2 ** 32).optional(),
  [ACCESS_PARAM]: z.literal("1").optional(),
  [OWNER_PARAM]: z.string().max(100).optional(),
  [RUNS_PARAM]: z.literal("1").optional(),
});

export const handler: Handlers = {
  // Every check happens before the upgrade, so a refusal is a plain HTTP answer.
  async GET(c) {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(400, "This address takes WebSocket connections only");
    }
    const roomId = c.req.param("roomId") ?? "";
    const { rooms, hub, config } = c.var.services;
    // Only other web pages are refused: browsers always send Origin, scripts
    // need not, and the room id is the key anyway.
    const origin = c.req.header("origin");
    if (
      !isAllowedOrigin(origin, {
        requestUrl: c.req.url,
        publicUrl: config.publicUrl,
        allowedOrigins: config.allowedOrigins,
      })
    ) {
      throw new HttpError(403, `Pages from ${origin} may not open this room`, {
        reason: "origin_refused",
      });
    }
    // The id is a link: the edit or the read-only one, of the room's current links.
    const link = isRoomId(roomId) ? await rooms.resolveLink(roomId) : undefined;
    if (!link) throw new HttpError(404, "Room not found");
    const query = QuerySchema.safeParse(c.req.query());
    const owner = query.success && query.data[OWNER_PARAM] !== undefined &&
      await verifyOwnerSocketProof(query.data[OWNER_PARAM], link.ownerKeyHash, Date.now());
    // Counted and accepted with no await in between, so the limit holds.
    const address = clientAddress(c);
    const { maxConnectionsPerAddress, idleTimeoutSeconds } = config.limits;
    if (!hub.admits(address)) {
      throw new HttpError(
        429,
        `Too many connections from your address (${maxConnectionsPerAddress}): close some Duet tabs`,
        { reason: "too_many_connections", retryAfterSeconds: 10 },
      );
    }
    // Deno pings idle sockets and closes those that stop answering.
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
      idleTimeout: idleTimeoutSeconds,
    });
    hub.accept(link.roomId, socket, {
      savedClientId: query.success ? query.data[SAVED_CLIENT_PARAM] : undefined,
      wantsRuns: query.success && query.data[RUNS_PARAM] === "1",
      address,
      access: link.access,
      owner,
      linkId: roomId,
      wantsAccess: query.success && query.data[ACCESS_PARAM] === "1",
    });
    return response;
  },
};
