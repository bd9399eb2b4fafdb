import type { VNode } from "preact";
import { SiteHeader } from "../../components/SiteHeader.tsx";
import Editor, { type EditorProps } from "../../islands/Editor.tsx";
import { clientAddress, type Handlers, publicOrigin } from "../../lib/web/app.ts";
import { formatBytes } from "../../lib/ops/limits.ts";
import { HttpError } from "../../lib/web/errors.ts";
import { Island } from "../../lib/web/islands.tsx";
import type { PageProps } from "../../lib/web/render.tsx";
import { keptUntil, openRoom, roomUrl } from "../../lib/rooms/service.ts";

export const handler: Handlers = {
  async GET(c) {
    const roomId = c.req.param("roomId") ?? "";
    const opened = await openRoom(c.var.services.rooms, c.var.services.registry, roomId);
    if (!opened) throw new HttpError(404, "Room not found");
    const room = opened.record;
    // Rendering costs time in proportion to the code: a reader of big rooms is held to
    // DUET_PAGE_BYTES_PER_MINUTE of it, counted in KiB, so parallel renders cannot stall the
    // live rooms.
    c.var.services.rateLimits.pageRenders.enforce(
      clientAddress(c),
      "room pages",
      "page_render_rate",
      {
        cost: 1 + Math.floor(room.code.length / 1024),
        describeRate: (kib) => `${formatBytes(kib * 1024)} of code`,
      },
    );
    const data: EditorProps = {
      roomId,
      language: room.language,
      code: room.code,
      roomUrl: roomUrl(publicOrigin(c), roomId),
      access: opened.control.access,
    };
    const until = keptUntil(opened.control, c.var.services.config.roomTtlDays);
    c.header("cache-control", "no-store");
    return c.var.render({ ...data, keptUntil: until?.toISOString().slice(0, 10) ?? null }, {
      title: "Room",
      description: "A shared Duet code room",
    });
  },
};

/** A room: the shared editor, server-rendered with the current code. */
export default function RoomPage(
  { data }: PageProps<EditorProps & { keptUntil: string | null }>,
): VNode {
  const { keptUntil, ...props } = data;
  return (
    <div class="room-layout">
      <SiteHeader />
      <main class="room">
        <Island name="Editor" component={Editor} props={props} textProps={["code"]} />
        <p class="duet-kept" data-testid="kept-until">
          {keptUntil === null
            ? "This room is kept for ever."
            : `Kept until ${keptUntil} if nobody opens it before.`}
        </p>
      </main>
    </div>
  );
}
