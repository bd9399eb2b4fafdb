import assert from "node:assert/strict";
import { StaticFiles } from "./static_files.ts";

async function serve(files: Record<string, string>): Promise<StaticFiles> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/build`);
  for (const [path, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${root}${path}`, text);
  }
  const staticFiles = new StaticFiles(new URL(`file://${root}/`));
  await staticFiles.load();
  await Deno.remove(root, { recursive: true });
  return staticFiles;
}

function cacheControl(staticFiles: StaticFiles, path: string): string | null {
  const response = staticFiles.respond(new Request(`http://localhost${path}`), path);
  assert.ok(response, path);
  return response.headers.get("cache-control");
}

Deno.test("StaticFiles – only content-hashed bundles are cached as immutable", async () => {
  const staticFiles = await serve({
    "/build/Editor-41f78e60f5.js": "export {};",
    "/build/chunk-64V7AWNJ.js": "export {};",
    "/build/manifest.json": "{}",
    "/styles.css": "body {}",
  });
  for (const path of ["/build/Editor-41f78e60f5.js", "/build/chunk-64V7AWNJ.js"]) {
    assert.equal(cacheControl(staticFiles, path), "public, max-age=31536000, immutable", path);
  }
  for (const path of ["/build/manifest.json", "/styles.css"]) {
    assert.doesNotMatch(cacheControl(staticFiles, path) ?? "", /immutable/, path);
    assert.match(cacheControl(staticFiles, path) ?? "", /must-revalidate/, path);
  }
});
