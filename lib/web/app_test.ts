import assert from "node:assert/strict";
import manifest from "../../fresh.gen.ts";
import { apiSegments, type Manifest, routePath } from "./app.ts";

Deno.test("apiSegments – routes without a page are the API, whatever their path", () => {
  const api = apiSegments(manifest);
  for (const segment of ["autocomplete", "healthz", "metrics", "rooms", "ws"]) {
    assert.ok(api.has(segment), `${segment} in ${[...api]}`);
  }
  assert.ok(!api.has("room"), "the room page's segment is not the API");
  const Page = () => null;
  const made: Manifest = {
    routes: {
      "./routes/_404.tsx": { default: Page },
      "./routes/_middleware.ts": { handler: () => new Response() },
      "./routes/index.tsx": { default: Page },
      "./routes/api/v2/things.ts": { handler: { GET: () => new Response() } },
      "./routes/docs/[page].tsx": { default: Page, handler: { GET: () => new Response() } },
    },
    islands: {},
  };
  assert.deepEqual([...apiSegments(made)], ["api"]);
});

Deno.test("routePath – Fresh's file names become Hono paths", () => {
  assert.equal(routePath("./routes/index.tsx"), "/");
  assert.equal(routePath("./routes/rooms/index.ts"), "/rooms");
  assert.equal(routePath("./routes/room/[roomId].tsx"), "/room/:roomId");
  assert.equal(routePath("./routes/rooms/[roomId]/code.ts"), "/rooms/:roomId/code");
  assert.equal(routePath("./routes/run/frame.ts"), "/run/frame");
});
