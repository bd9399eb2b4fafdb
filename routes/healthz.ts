import type { Handlers } from "../lib/web/app.ts";

export const handler: Handlers = {
  async GET(c) {
    const { rooms, registry, hub, logger } = c.var.services;
    try {
      await rooms.ping();
    } catch (error) {
      logger.warn("health_check_failed", { error });
      return c.json({
        status: "degraded",
        database: "unreachable",
        openRooms: registry.size,
        connections: hub.size,
        pendingBytes: registry.pendingBytes,
      }, 503);
    }
    return c.json({
      status: "ok",
      database: "ok",
      openRooms: registry.size,
      connections: hub.size,
    });
  },
};
