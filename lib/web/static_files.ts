import { extname } from "node:path";
import { gzip } from "./gzip.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".webmanifest": "application/manifest+json",
};

/** A bundle name that ends in its content hash, as `scripts/build.ts` writes them. */
const CONTENT_HASHED = /-[A-Za-z0-9]{8,}\.[a-z0-9]+$/;

const COMPRESSIBLE = new Set([".css", ".js", ".json", ".svg", ".txt"]);

interface StaticFile {
  body: Uint8Array;
  gzip?: Uint8Array;
  etag: string;
  contentType: string;
  immutable: boolean;
}

/** Options for {@linkcode StaticFiles}. */
export interface StaticFilesOptions {
  /** Content-hashed names under this prefix (`Editor-41f78e60f5.js`) are cached for a year. */
  immutablePrefix?: string;
}

/**
 * Serves the files of `static/` from memory, gzipped when the client accepts
 * it, with ETags; content-hashed bundles are cached for a year.
 */
export class StaticFiles {
  #root: URL;
  #immutablePrefix: string;
  #files = new Map<string, StaticFile>();

  constructor(root: URL, options: StaticFilesOptions = {}) {
    this.#root = root;
    this.#immutablePrefix = options.immutablePrefix ?? "/build/";
  }

  /** Reads every file under the root into memory. */
  async load(): Promise<void> {
    this.#files.clear();
    await this.#walk(this.#root, "/");
  }

  /** A response for `request`, or `undefined` when no such file is served. */
  respond(request: Request, pathname: string): Response | undefined {
    const file = this.#files.get(pathname);
    if (!file) return undefined;
    const headers = new Headers({
      "content-type": file.contentType,
      etag: file.etag,
      "cache-control": file.immutable
        ? "public, max-age=31536000, immutable"
        : "public, max-age=300, must-revalidate",
      vary: "accept-encoding",
    });
    if (request.headers.get("if-none-match") === file.etag) {
      return new Response(null, { status: 304, headers });
    }
    const acceptsGzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    const body = acceptsGzip && file.gzip ? file.gzip : file.body;
    if (body === file.gzip) headers.set("content-encoding", "gzip");
    headers.set("content-length", String(body.byteLength));
    return new Response(request.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, {
      headers,
    });
  }

  async #walk(dir: URL, prefix: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".")) continue;
      if (entry.isDirectory) {
        await this.#walk(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
        continue;
      }
      const extension = extname(entry.name);
      if (!entry.isFile || extension === ".gz") continue;
      const body = await Deno.readFile(new URL(entry.name, dir));
      const pathname = `${prefix}${entry.name}`;
      this.#files.set(pathname, {
        body,
        gzip: COMPRESSIBLE.has(extension) && body.byteLength > 256 ? await gzip(body) : undefined,
        etag: `"${await digest(body)}"`,
        contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
        // build/manifest.json changes with every build under the same name.
        immutable: pathname.startsWith(this.#immutablePrefix) && CONTENT_HASHED.test(entry.name),
      });
    }
  }
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(hash.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
}
