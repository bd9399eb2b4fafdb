import type { Handlers } from "../lib/web/app.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../lib/ops/metrics.ts";

export const handler: Handlers = {
  GET(c) {
    const { metrics, registry, hub } = c.var.services;
    metrics.openRooms.set(registry.size);
    metrics.connections.set(hub.size);
    metrics.logRowsPending.set(registry.logRowsPending);
    c.header("cache-control", "no-store");
    return c.body(metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  },
};
