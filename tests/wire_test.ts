import assert from "node:assert/strict";
import manifest from "../fresh.gen.ts";
import { routePath } from "../lib/web/app.ts";
import { AUTOCOMPLETE_PATH, CloseCode, isFinalClose, SOCKET_PATH } from "../lib/shared/wire.ts";

const paths = Object.keys(manifest.routes).map(routePath);

Deno.test("Wire – the island's socket and autocomplete paths are routes", () => {
  assert.ok(paths.includes(`${SOCKET_PATH}/:roomId`), paths.join(", "));
  assert.ok(paths.includes(AUTOCOMPLETE_PATH), paths.join(", "));
});

Deno.test("Wire – the codes that end a session are the 44xx range and 1009, nothing else", () => {
  const final = Object.entries(CloseCode).filter(([, code]) => isFinalClose(code))
    .map(([name]) => name).sort();
  assert.deepEqual(final, [
    "contentRefused",
    "documentTooLarge",
    "linkRevoked",
    "readOnly",
    "roomDeleted",
    "roomFull",
    "roomNotFound",
    "tooBig",
  ]);
  assert.equal(isFinalClose(4400), true);
  assert.equal(isFinalClose(4499), true);
  assert.equal(isFinalClose(4500), false);
  assert.equal(isFinalClose(CloseCode.tryAgainLater), false);
});
