import type { Context, Next } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../lib/web/app.ts";

// No inline scripts anywhere: island props travel in data attributes. The
// editor injects its own <style> elements, hence 'unsafe-inline' for styles.
// Only these headers: HSTS and the cross-origin policies are the operator's
// call (a proxy in front knows whether the site is HTTPS-only).
const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
  },
  xContentTypeOptions: true,
  // A room link is the key to the room: never leak it in a Referer.
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

/** Security headers on every response but the WebSocket upgrade. */
export async function handler(c: Context<AppEnv>, next: Next): Promise<void> {
  if (c.req.path.startsWith("/ws/")) return await next();
  // The runner's frame has a policy of its own, which says who may frame it
  // (routes/run/frame.ts).
  if (c.req.path === "/run/frame") {
    await next();
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    return;
  }
  await securityHeaders(c, next);
}
