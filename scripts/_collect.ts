import { relative } from "node:path";

/** The project root, as a URL ending in a slash. */
export const ROOT = new URL("../", import.meta.url);

async function walk(dir: URL, keep: (name: string, path: string) => boolean): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.isDirectory ? `${entry.name}/` : entry.name, dir);
    if (entry.isDirectory) files.push(...await walk(url, keep));
    else if (entry.isFile && keep(entry.name, url.pathname)) {
      files.push("./" + relative(ROOT.pathname, url.pathname));
    }
  }
  return files.sort();
}

/** Route files: every module under `routes/` except tests. */
export function collectRoutes(): Promise<string[]> {
  return walk(
    new URL("routes/", ROOT),
    (name) => /\.(tsx?|jsx?)$/.test(name) && !/_test\.(tsx?|jsx?)$/.test(name),
  );
}

/**
 * Island files: the `.tsx` modules directly in `islands/`; names starting
 * with `_` are private helpers.
 */
export function collectIslands(): Promise<string[]> {
  return walk(
    new URL("islands/", ROOT),
    (name, path) =>
      /^[A-Z][A-Za-z0-9]*\.tsx$/.test(name) &&
      new URL(".", `file://${path}`).href === new URL("islands/", ROOT).href,
  );
}
