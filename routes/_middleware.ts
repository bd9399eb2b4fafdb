import type { Context, Next } from "hono";
import type { AppEnv } from "../lib/web/app.ts";

// No inline scripts anywhere: island props travel in data attributes. The
// editor injects its own <style> elements, hence 'unsafe-inline' for styles.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

/** Security headers on every response but the WebSocket upgrade. */
export async function handler(c: Context<AppEnv>, next: Next): Promise<void> {
  await next();
  if (c.req.path.startsWith("/ws/")) return;
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  c.header("x-content-type-options", "nosniff");
  // A room link is the key to the room: never leak it in a Referer.
  c.header("referrer-policy", "no-referrer");
  c.header("x-frame-options", "DENY");
}
