import { z } from "zod";

/** Where `deno task build` writes island bundles and their manifest. */
export const BUILD_DIR = new URL("../../static/build/", import.meta.url);

const AssetManifestSchema = z.object({
  islands: z.record(
    z.string(),
    z.object({
      /** URL path of the island's entry script. */
      src: z.string(),
      /**
       * Chunks to preload: the entry's static imports, and the island's own
       * dynamic imports with their static imports (what it loads as soon as
       * it has hydrated).
       */
      imports: z.array(z.string()),
      /** Bytes of the entry and those chunks as served (gzip level 9): what the island downloads before any lazy chunk. */
      gzipBytes: z.number(),
    }),
  ),
  /** The sandbox's scripts (see `routes/run/frame.ts`): URL paths of classic scripts, loaded on first Run. */
  runner: z.object({
    frame: z.string(),
    worker: z.string(),
    typescript: z.string(),
    /** PGlite for SQL runs, and its binaries (fetched by the page, passed to the sandbox). */
    sql: z.string(),
    pgliteWasm: z.string(),
    initdbWasm: z.string(),
    pgliteData: z.string(),
  }).optional(),
});

/** The built island bundles, by island name. */
export type AssetManifest = z.infer<typeof AssetManifestSchema>;

/** Reads `static/build/manifest.json`, explaining what to do when it is missing. */
export async function loadAssetManifest(
  buildDir: URL = BUILD_DIR,
): Promise<AssetManifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL("manifest.json", buildDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "The island bundles are not built: run `deno task build` (deno task start does it)",
      );
    }
    throw error;
  }
  return AssetManifestSchema.parse(JSON.parse(text));
}
