/**
 * Bundles each island for the browser into `static/build/` with
 * content-hashed names, and writes `static/build/manifest.json`.
 */
import { gzip } from "../lib/web/gzip.ts";
import { islandName } from "../lib/web/islands.tsx";
import { collectIslands, ROOT } from "./_collect.ts";

const OUT_DIR = new URL("static/build/", ROOT);

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes as the server sends them: gzipped the same way. */
async function gzipSize(bytes: Uint8Array): Promise<number> {
  return (await gzip(bytes)).byteLength;
}

/** Relative modules a bundle imports statically (not `import()`). */
function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (
    const match of code.matchAll(
      /(?:^|[;\s}])(?:import|export)\s*(?:[^"'();]*?from\s*)?["'](\.\/[^"']+)["']/g,
    )
  ) {
    found.add(match[1].slice(2));
  }
  return [...found];
}

/** Relative modules a bundle loads with `import()`. */
function dynamicImports(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/\bimport\(\s*["'](\.\/[^"']+)["']\s*\)/g)) {
    found.add(match[1].slice(2));
  }
  return [...found];
}

/** The sandbox's scripts: each one classic script (IIFE), since the frame's opaque origin cannot load modules from Duet without CORS. */
const RUNNER_ENTRIES = {
  frame: "islands/_runner/frame.ts",
  worker: "islands/_runner/worker.ts",
  typescript: "islands/_runner/strip_types.ts",
  sql: "islands/_runner/sql.ts",
} as const;

/** PGlite's binaries for SQL runs, from the npm package, served under content-hashed names. */
const PGLITE_FILES = {
  pgliteWasm: "pglite.wasm",
  initdbWasm: "initdb.wasm",
  pgliteData: "pglite.data",
} as const;

/** Bundles the sandbox's scripts into `OUT_DIR`; returns their URL paths. */
async function buildRunner(
  work: string,
): Promise<Record<keyof typeof RUNNER_ENTRIES | keyof typeof PGLITE_FILES, string>> {
  const out = `${work}/runner`;
  const paths: Partial<Record<keyof typeof RUNNER_ENTRIES, string>> = {};
  for (const [name, file] of Object.entries(RUNNER_ENTRIES)) {
    const target = `${out}/${name}.js`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        new URL("deno.json", ROOT).pathname,
        "--platform",
        "browser",
        "--format",
        "iife",
        "--minify",
        "--output",
        target,
        new URL(file, ROOT).pathname,
      ],
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno bundle of ${file} failed:\n${new TextDecoder().decode(stderr)}`);
    }
    const bytes = await Deno.readFile(target);
    const hashed = `runner-${name}-${(await sha256Hex(bytes)).slice(0, 10)}.js`;
    await Deno.writeFile(new URL(hashed, OUT_DIR), bytes);
    paths[name as keyof typeof RUNNER_ENTRIES] = `/build/${hashed}`;
    console.log(
      `Built runner ${name}: /build/${hashed}, ${
        ((await gzipSize(bytes)) / 1000).toFixed(1)
      } kB gzipped`,
    );
  }
  const pglite = new URL("node_modules/@electric-sql/pglite/dist/", ROOT);
  const binaries: Partial<Record<keyof typeof PGLITE_FILES, string>> = {};
  for (const [name, file] of Object.entries(PGLITE_FILES)) {
    const bytes = await Deno.readFile(new URL(file, pglite));
    const [base, extension] = file.split(".");
    const hashed = `${base}-${(await sha256Hex(bytes)).slice(0, 10)}.${extension}`;
    await Deno.writeFile(new URL(hashed, OUT_DIR), bytes);
    binaries[name as keyof typeof PGLITE_FILES] = `/build/${hashed}`;
  }
  return { ...paths, ...binaries } as Record<
    keyof typeof RUNNER_ENTRIES | keyof typeof PGLITE_FILES,
    string
  >;
}

async function build(): Promise<void> {
  const islands = await collectIslands();
  const work = await Deno.makeTempDir({ prefix: "duet-build-" });
  try {
    const entries: string[] = [];
    for (const file of islands) {
      const name = islandName(file);
      const entry = `${work}/${name}.ts`;
      await Deno.writeTextFile(
        entry,
        [
          `import { hydrateIsland } from "${new URL("islands/_boot.ts", ROOT).href}";`,
          `import Island from "${new URL(file, ROOT).href}";`,
          `hydrateIsland(${JSON.stringify(name)}, Island);`,
          "",
        ].join("\n"),
      );
      entries.push(entry);
    }
    const bundled = `${work}/out`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        new URL("deno.json", ROOT).pathname,
        "--platform",
        "browser",
        "--format",
        "esm",
        "--minify",
        "--code-splitting",
        "--outdir",
        bundled,
        ...entries,
      ],
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    }

    const files = new Map<string, Uint8Array>();
    for await (const entry of Deno.readDir(bundled)) {
      if (entry.isFile) files.set(entry.name, await Deno.readFile(`${bundled}/${entry.name}`));
    }
    await Deno.remove(OUT_DIR, { recursive: true }).catch(() => {});
    await Deno.mkdir(OUT_DIR, { recursive: true });

    const manifest: Record<string, { src: string; imports: string[]; gzipBytes: number }> = {};
    const text = new TextDecoder();
    for (const file of islands) {
      const name = islandName(file);
      const bytes = files.get(`${name}.js`);
      if (!bytes) throw new Error(`deno bundle wrote no ${name}.js`);
      files.delete(`${name}.js`);
      const hashed = `${name}-${(await sha256Hex(bytes)).slice(0, 10)}.js`;
      await Deno.writeFile(new URL(hashed, OUT_DIR), bytes);
      // What the island loads up front, to preload: the entry's static
      // imports, and the island's own dynamic imports with theirs (an
      // island imports dynamically what it needs once it has hydrated, like
      // the editor's session; what those chunks import dynamically, like
      // language modes, stays lazy).
      const eager = new Set<string>();
      const entryCode = text.decode(bytes);
      const queue = [...staticImports(entryCode), ...dynamicImports(entryCode)];
      while (queue.length) {
        const chunk = queue.pop()!;
        if (eager.has(chunk)) continue;
        eager.add(chunk);
        const chunkBytes = files.get(chunk);
        if (chunkBytes) queue.push(...staticImports(text.decode(chunkBytes)));
      }
      let gzipBytes = await gzipSize(bytes);
      for (const chunk of eager) {
        const chunkBytes = files.get(chunk);
        if (chunkBytes) gzipBytes += await gzipSize(chunkBytes);
      }
      manifest[name] = {
        src: `/build/${hashed}`,
        imports: [...eager].sort().map((chunk) => `/build/${chunk}`),
        gzipBytes,
      };
    }
    // Chunks keep the content-hashed names esbuild gave them.
    for (const [name, bytes] of files) await Deno.writeFile(new URL(name, OUT_DIR), bytes);
    const runner = await buildRunner(work);
    await Deno.writeTextFile(
      new URL("manifest.json", OUT_DIR),
      JSON.stringify({ islands: manifest, runner }, null, 2) + "\n",
    );
    for (const [name, asset] of Object.entries(manifest)) {
      console.log(
        `Built island ${name}: ${asset.src}, ${asset.imports.length} chunks, ` +
          `${(asset.gzipBytes / 1000).toFixed(1)} kB gzipped up front (before lazy chunks)`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await build();
