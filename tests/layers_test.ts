import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** Every `.ts`/`.tsx` file under `folder` (relative to the project root). */
async function sources(folder: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, folder))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) files.push(...await sources(path));
    else if (/\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** The project files `file` imports by relative path, relative to the root. */
async function localImports(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const specifiers = [
    ...text.matchAll(/(?:^|[\s;])(?:import|export)[^"';]*?from\s*["']([^"']+)["']/gm),
    ...text.matchAll(/(?:^|[\s;])import\s*\(?\s*["']([^"']+)["']/gm),
  ].map((match) => match[1]);
  return specifiers.filter((specifier) => specifier.startsWith("."))
    .map((specifier) => relative(ROOT, join(ROOT, dirname(file), specifier)));
}

/** `file → import` for each import of a file under `folder` that `allowed` refuses. */
async function violations(
  folder: string,
  allowed: (target: string, file: string) => boolean,
): Promise<string[]> {
  const found: string[] = [];
  for (const file of await sources(folder)) {
    for (const target of await localImports(file)) {
      if (!allowed(target, file)) found.push(`${file} → ${target}`);
    }
  }
  return found;
}

const within = (folder: string) => (target: string) => target.startsWith(`${folder}/`);

Deno.test("Layers – the import scanner sees relative imports, static and dynamic", async () => {
  // The rules below would pass trivially if the scanner found nothing.
  const imports = await localImports("islands/Editor.tsx");
  assert.ok(imports.includes("lib/shared/languages.ts"), imports.join(", "));
  assert.ok(imports.some((target) => target.startsWith("islands/_editor/")), imports.join(", "));
});

Deno.test("Layers – db/ imports nothing outside db/", async () => {
  assert.deepEqual(await violations("db", within("db")), []);
});

Deno.test("Layers – lib/ never imports db/ (storage implements lib's interfaces)", async () => {
  assert.deepEqual(await violations("lib", (target) => !within("db")(target)), []);
});

Deno.test("Layers – browser code imports only islands/ and lib/shared/", async () => {
  const browserSafe = (target: string, file: string) =>
    within("islands")(target) || within("lib/shared")(target) ||
    // Unit tests of island helpers run under Deno and may use test helpers.
    (/_test\.tsx?$/.test(file) && within("tests")(target));
  assert.deepEqual(await violations("islands", browserSafe), []);
  assert.deepEqual(await violations("lib/shared", within("lib/shared")), []);
});
