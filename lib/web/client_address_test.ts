import assert from "node:assert/strict";
import { addressKey } from "./client_address.ts";

Deno.test("addressKey – keeps IPv4 addresses as they are", () => {
  assert.equal(addressKey("127.0.0.1"), "127.0.0.1");
  assert.equal(addressKey("203.0.113.9"), "203.0.113.9");
});

Deno.test("addressKey – counts IPv6 addresses by their /64", () => {
  assert.equal(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:0db8:0001:0002::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("[2001:DB8:1:2::ff]"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressKey("::1"), "0:0:0:0::/64");
  assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
});

Deno.test("addressKey – reads IPv4-mapped IPv6 as IPv4", () => {
  assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
});

Deno.test("addressKey – returns other text lower-cased", () => {
  assert.equal(addressKey("Unknown"), "unknown");
  assert.equal(addressKey("1:2:3"), "1:2:3");
});
