/** Options for {@linkcode isAllowedOrigin}. */
export interface OriginPolicyOptions {
  /** The request's own URL; its host (as the browser addressed it) is always allowed. */
  requestUrl: string;
  /** `PUBLIC_URL`, whose origin is allowed. */
  publicUrl?: string;
  /** Further origins allowed (`DUET_ALLOWED_ORIGINS`), e.g. `https://duet.example.com`. */
  allowedOrigins?: readonly string[];
}

/**
 * Whether a WebSocket upgrade with this `Origin` header may proceed. Browsers
 * always send `Origin`; a missing one means a script, which is allowed: the
 * room id is the key, and the check only stops other web pages from using a
 * visitor's browser to join rooms.
 *
 * The request's host is compared without its scheme, since a proxy that
 * terminates TLS hands Duet `http` requests for `https` pages.
 *
 * @example
 * ```ts
 * isAllowedOrigin("https://evil.example", { requestUrl: "http://duet.example/ws/x" }); // false
 * ```
 */
export function isAllowedOrigin(
  origin: string | undefined,
  options: OriginPolicyOptions,
): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage.
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  if (parsed.host === new URL(options.requestUrl).host) return true;
  if (options.publicUrl && parsed.origin === new URL(options.publicUrl).origin) return true;
  return (options.allowedOrigins ?? []).some((allowed) => parsed.origin === allowed);
}
