import { type Handlers, publicOrigin } from "../../lib/web/app.ts";
import { HttpError } from "../../lib/web/errors.ts";

/**
 * `GET /run/frame`: the sandbox the Run button runs code in (see
 * docs/architecture.md, "Running code"). The room page frames it with
 * `sandbox="allow-scripts"`, and its own policy says `sandbox allow-scripts`
 * too, so it has an opaque origin even when opened by itself: no cookies, no
 * storage, no access to the page. Its policy allows exactly the runner's
 * scripts, workers from `blob:` only, and no connections at all; a worker
 * started from a `blob:` URL inherits it.
 */
export const handler: Handlers = {
  GET(c) {
    const runner = c.var.services.assets.runner;
    if (!runner) throw new HttpError(503, "The runner is not built: run `deno task build`");
    const origin = publicOrigin(c);
    const scripts = [runner.frame, runner.worker, runner.typescript, runner.sql].map((path) =>
      `${origin}${path}`
    );
    c.header(
      "content-security-policy",
      [
        "default-src 'none'",
        // 'unsafe-eval': the worker runs the program with the Function
        // constructor. This policy is the frame's alone; the room page's
        // forbids it.
        // 'wasm-unsafe-eval': PGlite compiles its WebAssembly for SQL runs.
        `script-src ${scripts.join(" ")} 'unsafe-eval' 'wasm-unsafe-eval'`,
        "worker-src blob:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        `frame-ancestors ${origin}`,
        "sandbox allow-scripts",
      ].join("; "),
    );
    c.header("cache-control", "no-cache");
    return c.html(
      `<!doctype html><html lang="en" data-worker="${runner.worker}" data-typescript="${runner.typescript}" data-sql="${runner.sql}" ` +
        `data-sql-assets="${runner.pgliteWasm} ${runner.initdbWasm} ${runner.pgliteData}">` +
        `<head><meta charset="utf-8"><title>Duet runner</title>` +
        `<script src="${runner.frame}"></script></head><body></body></html>`,
    );
  },
};
