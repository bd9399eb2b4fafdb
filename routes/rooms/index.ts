import { z } from "zod";
import { clientAddress, type Handlers, publicOrigin } from "../../lib/web/app.ts";
import { HttpError } from "../../lib/web/errors.ts";
import { jsonBodyLimit } from "../../lib/ops/limits.ts";
import {
  CreateRoomRequestSchema,
  limitBody,
  mediaType,
  parseJsonRequest,
  readBodyText,
  requestSchemas,
} from "../../lib/web/requests.ts";
import { createRoom, roomUrl } from "../../lib/rooms/service.ts";

const FormSchema = z.object({
  language: CreateRoomRequestSchema.shape.language,
});

export const handler: Handlers = {
  // A JSON body (or none) answers 201 with the room; the home page's form
  // answers 303 to the room page, so it works without JavaScript.
  async POST(c) {
    const { limits } = c.var.services.config;
    c.var.services.rateLimits.roomCreation.enforce(
      clientAddress(c),
      "new rooms",
      "room_creation_rate",
    );
    const type = mediaType(c);
    const bodyLimit = jsonBodyLimit(limits.maxDocumentBytes);
    const isForm = type === "application/x-www-form-urlencoded" || type === "multipart/form-data";
    if (isForm) {
      await limitBody(c, bodyLimit);
      const form = await c.req.parseBody();
      const parsed = FormSchema.safeParse({ language: form.language || undefined });
      if (!parsed.success) {
        throw new HttpError(400, parsed.error.issues[0]?.message ?? "Unknown language");
      }
      const room = await createRoom(c.var.services.rooms, parsed.data);
      // The fragment never reaches a server: the page keeps the key and drops it.
      return c.redirect(`/room/${room.roomId}#owner=${room.ownerKey}`, 303);
    }
    if (type !== "" && type !== "application/json") {
      throw new HttpError(415, `Send JSON (application/json), not ${type}`);
    }
    const text = await readBodyText(c, bodyLimit);
    const schema = requestSchemas(limits.maxDocumentBytes).createRoom;
    const request = text.trim() === "" ? {} : parseJsonRequest(schema, text);
    const room = await createRoom(c.var.services.rooms, request);
    const origin = publicOrigin(c);
    const url = roomUrl(origin, room.roomId);
    c.header("location", url);
    c.header("cache-control", "no-store");
    return c.json({
      roomId: room.roomId,
      url,
      viewUrl: roomUrl(origin, room.viewId),
      ownerKey: room.ownerKey,
      language: room.language,
    }, 201);
  },
};
