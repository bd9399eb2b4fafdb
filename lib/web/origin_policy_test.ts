import assert from "node:assert/strict";
import { isAllowedOrigin } from "./origin_policy.ts";

const requestUrl = "http://duet.example:8000/ws/abc";

Deno.test("isAllowedOrigin – allows the page's own host, whatever the scheme", () => {
  assert.equal(isAllowedOrigin("http://duet.example:8000", { requestUrl }), true);
  assert.equal(isAllowedOrigin("https://duet.example:8000", { requestUrl }), true);
});

Deno.test("isAllowedOrigin – allows a missing Origin (scripts, not browsers)", () => {
  assert.equal(isAllowedOrigin(undefined, { requestUrl }), true);
});

Deno.test("isAllowedOrigin – refuses other sites, other ports and opaque origins", () => {
  assert.equal(isAllowedOrigin("https://evil.example", { requestUrl }), false);
  assert.equal(isAllowedOrigin("http://duet.example:9000", { requestUrl }), false);
  assert.equal(isAllowedOrigin("http://duet.example.evil.example:8000", { requestUrl }), false);
  assert.equal(isAllowedOrigin("null", { requestUrl }), false);
  assert.equal(isAllowedOrigin("", { requestUrl }), false);
  assert.equal(isAllowedOrigin("chrome-extension://abc", { requestUrl }), false);
});

Deno.test("isAllowedOrigin – allows PUBLIC_URL's origin and the configured list", () => {
  const internal = "http://10.0.0.5:8000/ws/abc";
  assert.equal(
    isAllowedOrigin("https://duet.example.com", {
      requestUrl: internal,
      publicUrl: "https://duet.example.com/",
    }),
    true,
  );
  assert.equal(
    isAllowedOrigin("http://duet.example.com", {
      requestUrl: internal,
      publicUrl: "https://duet.example.com",
    }),
    false,
    "PUBLIC_URL's scheme counts",
  );
  const allowedOrigins = ["https://ide.example.org"];
  assert.equal(isAllowedOrigin("https://ide.example.org", { requestUrl, allowedOrigins }), true);
  assert.equal(
    isAllowedOrigin("https://ide.example.org.evil", { requestUrl, allowedOrigins }),
    false,
  );
});
