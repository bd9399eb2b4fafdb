import { type Context, Hono, type MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { ComponentType } from "preact";
import { h } from "preact";
import type { AssetManifest } from "./assets.ts";
import { addressKey } from "./client_address.ts";
import type { Config } from "../ops/config.ts";
import { errorBody, HttpError } from "./errors.ts";
import type { Logger } from "../ops/logger.ts";
import type { DuetMetrics } from "../ops/metrics.ts";
import type { RateLimits } from "./rate_limiter.ts";
import { islandName } from "./islands.tsx";
import { type AppShellProps, type PageOptions, type PageProps, renderDocument } from "./render.tsx";
import type { RoomCatalog } from "../rooms/store.ts";
import type { RoomRegistry } from "../sync/registry.ts";
import type { StaticFiles } from "./static_files.ts";
import type { SyncHub } from "../sync/hub.ts";

/** What route handlers can use, on `c.var.services`. */
export interface Services {
  config: Config;
  rooms: RoomCatalog;
  registry: RoomRegistry;
  hub: SyncHub;
  assets: AssetManifest;
  staticFiles: StaticFiles;
  logger: Logger;
  metrics: DuetMetrics;
  /** Per-address limits of the HTTP API. */
  rateLimits: RateLimits;
}

/** Renders the route's page component with `data`. */
export type RenderPage = (data: unknown, options: PageOptions) => Response;

/** Hono's environment for Duet's routes. */
export interface AppEnv {
  /** What `Deno.serve` hands the handler with each request (absent in `app.request()`). */
  Bindings: { remoteAddr?: Deno.Addr };
  Variables: { services: Services; render: RenderPage };
}

/** A route handler. */
export type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

/** A route module's handlers by HTTP method. */
export type Handlers = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler>>;

/** A file in `routes/`. */
export interface RouteModule {
  /** Handlers by method; in `_middleware.ts`, a middleware. */
  handler?: Handlers | Handler | MiddlewareHandler<AppEnv>;
  /** The page component; in `_app.tsx`, the document shell. */
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any>> | ComponentType<AppShellProps>;
}

/** A file in `islands/`. */
export interface IslandModule {
  /** The island component. */
  default: ComponentType<never>;
  /** Stylesheets a page that uses the island links. */
  stylesheets?: string[];
}

/** The generated `fresh.gen.ts`. */
export interface Manifest {
  routes: Record<string, RouteModule>;
  islands: Record<string, IslandModule>;
}

/**
 * Turns a route file name into a Hono path: `./routes/room/[roomId].tsx` →
 * `/room/:roomId`, `./routes/index.tsx` → `/`.
 */
export function routePath(file: string): string {
  const path = file
    .replace(/^\.\/routes/, "")
    .replace(/\.(tsx?|jsx?)$/, "")
    .replace(/\/index$/, "")
    .replace(/\[([A-Za-z0-9_]+)\]/g, ":$1");
  return path === "" ? "/" : path;
}

/** `_app.tsx`, `_404.tsx`, `_middleware.ts`: files with a role, not a path. */
function isSpecialFile(file: string): boolean {
  return /\/_[^/]*$/.test(file);
}

/**
 * The first path segments that belong to the API: those of route modules
 * without a default export (no page). `/rooms/…` answers errors in JSON,
 * `/room/…` with the 404 page.
 */
export function apiSegments(manifest: Manifest): Set<string> {
  const segments = new Set<string>();
  for (const [file, module] of Object.entries(manifest.routes)) {
    if (module.default || isSpecialFile(file)) continue;
    const segment = routePath(file).split("/")[1];
    if (segment) segments.add(segment);
  }
  return segments;
}

/** Builds the HTTP application from the route manifest and services. */
export function createApp(manifest: Manifest, services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const shell = manifest.routes["./routes/_app.tsx"]?.default as
    | ComponentType<AppShellProps>
    | undefined;
  const notFoundPage = manifest.routes["./routes/_404.tsx"]?.default as
    | ComponentType<PageProps<unknown>>
    | undefined;
  if (!shell || !notFoundPage) throw new Error("routes/_app.tsx and routes/_404.tsx are required");
  const errorPage = manifest.routes["./routes/_error.tsx"]?.default as
    | ComponentType<PageProps<unknown>>
    | undefined;
  const api = apiSegments(manifest);
  /** Pages answer errors with HTML; the API with JSON. */
  const wantsPage = (c: Context<AppEnv>): boolean =>
    (c.req.method === "GET" || c.req.method === "HEAD") && !api.has(c.req.path.split("/")[1]);
  const islandStylesheets = Object.fromEntries(
    Object.entries(manifest.islands).map(([file, module]) => [
      islandName(file),
      module.stylesheets ?? [],
    ]),
  );

  const renderWith = (c: Context<AppEnv>, Page: ComponentType<PageProps<unknown>>): RenderPage =>
  (
    data,
    options,
  ) => {
    const html = renderDocument(
      shell,
      h(Page, { data, url: new URL(c.req.url), params: c.req.param() as Record<string, string> }),
      { ...options, assets: services.assets, islandStylesheets },
    );
    return c.html(html, (options.status ?? 200) as 200);
  };

  app.use("*", async (c, next) => {
    c.set("services", services);
    c.set("render", renderWith(c, notFoundPage));
    await next();
  });

  const middleware = manifest.routes["./routes/_middleware.ts"]?.handler;
  if (typeof middleware === "function") app.use("*", middleware as MiddlewareHandler<AppEnv>);
  // Pages carry the room's code: compress them (and JSON). Static files are
  // already gzipped and the socket route has no body, so both pass through.
  app.use("*", compress({ encoding: "gzip" }));
  // A method no route of a known path takes: 405 with the ones it does in `Allow`.
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const error = new HttpError(
          405,
          `${c.req.method} is not allowed here; use ${methods.join(", ")}`,
        );
        return c.json(errorBody(error), 405, { allow: methods.join(", ") });
      },
    }),
  );
  // Static files are served from a middleware, not a `*` route, so that an
  // unknown path stays a 404 for every method.
  app.use("*", async (c, next) => {
    const { method } = c.req;
    const response = method === "GET" || method === "HEAD"
      ? services.staticFiles.respond(c.req.raw, c.req.path)
      : undefined;
    if (response) return response;
    await next();
  });

  for (
    const [file, module] of Object.entries(manifest.routes).sort(([a], [b]) => a.localeCompare(b))
  ) {
    if (isSpecialFile(file)) continue;
    const path = routePath(file);
    const Page = module.default as ComponentType<PageProps<unknown>> | undefined;
    const handlers: Handlers = typeof module.handler === "function"
      ? { GET: module.handler as Handler }
      : { ...module.handler };
    if (!handlers.GET && Page) {
      handlers.GET = (c) => c.var.render(undefined, { title: "Duet" });
    }
    for (const [method, handler] of Object.entries(handlers)) {
      app.on(method, path, async (c) => {
        if (Page) c.set("render", renderWith(c, Page));
        return await handler(c);
      });
    }
  }

  // A browser shows whatever its form post or page request gets back: a page
  // that says what happened, not JSON. API clients (a JSON body or Accept) get JSON.
  const errorResponse = (c: Context<AppEnv>, error: HttpError): Response => {
    if (errorPage && (isFormPost(c) || wantsPage(c))) {
      const data = {
        status: error.status,
        message: error.message,
        retryAfterSeconds: error.retryAfterSeconds,
      };
      return renderWith(c, errorPage)(data, { title: "Not done", status: error.status });
    }
    return c.json(errorBody(error), error.status as 400);
  };

  app.notFound((c) => {
    const error = new HttpError(404, `No route for ${c.req.method} ${c.req.path}`);
    if (wantsPage(c)) {
      return renderWith(c, notFoundPage)(undefined, { title: "Not found", status: 404 });
    }
    return c.json(errorBody(error), 404);
  });

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      if (error.reason) {
        services.logger.warn("request_rejected", {
          reason: error.reason,
          status: error.status,
          method: c.req.method,
          path: c.req.path,
          address: clientAddress(c),
        });
        services.metrics.rejections.inc({ reason: error.reason });
      }
      if (error.retryAfterSeconds !== undefined) {
        c.header("retry-after", String(error.retryAfterSeconds));
      }
      if (error.status === 404 && wantsPage(c)) {
        return renderWith(c, notFoundPage)(undefined, { title: "Not found", status: 404 });
      }
      return errorResponse(c, error);
    }
    services.logger.error("request_failed", {
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return errorResponse(c, new HttpError(500, "Something went wrong on our side"));
  });

  return app;
}

/** A form post from a page (not an API client that asked for JSON). */
function isFormPost(c: Context<AppEnv>): boolean {
  if (c.req.method !== "POST") return false;
  const type = c.req.header("content-type")?.split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") return false;
  return !/\bapplication\/json\b/i.test(c.req.header("accept") ?? "");
}

/**
 * The client's address, as the key per-address limits count under (see
 * `addressKey`); `unknown` when the request came without one. Behind a proxy
 * this is the proxy's address.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const remote = c.env?.remoteAddr;
  return remote && "hostname" in remote ? addressKey(remote.hostname) : "unknown";
}

/** The origin for links: `PUBLIC_URL` when set, else the request's own. */
export function publicOrigin(c: Context<AppEnv>): string {
  return c.var.services.config.publicUrl ?? new URL(c.req.url).origin;
}
