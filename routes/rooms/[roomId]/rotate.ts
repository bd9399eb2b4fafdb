import type { Handlers } from "../../../lib/web/app.ts";
import { parseJsonRequest, readBodyText } from "../../../lib/web/requests.ts";
import { authorizeOwner, rotateLink, RotateRequestSchema } from "../../../lib/rooms/owner.ts";
import { ownerContext } from "../../../lib/rooms/owner_context.ts";

export const handler: Handlers = {
  // A new edit or read-only link; connections through the old one are closed (4401).
  async POST(c) {
    const control = await authorizeOwner(
      c.var.services.rooms,
      c.req.param("roomId") ?? "",
      c.req.header("authorization"),
    );
    const text = await readBodyText(c, 1024);
    const request = parseJsonRequest(RotateRequestSchema, text);
    c.header("cache-control", "no-store");
    return c.json(await rotateLink(control, request, ownerContext(c)));
  },
};
