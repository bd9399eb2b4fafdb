import assert from "node:assert/strict";
import { MessageThrottle } from "./message_throttle.ts";

function throttle(now: () => number): MessageThrottle {
  return new MessageThrottle({
    ratePerSecond: 10,
    burst: 2,
    maxQueuedMessages: 5,
    maxQueuedBytes: 100,
    now,
  });
}

const message = (n: number) => new Uint8Array(10).fill(n);

Deno.test("MessageThrottle – releases a burst, then one message per token, in order", () => {
  let time = 0;
  const inbox = throttle(() => time);
  for (let i = 0; i < 5; i++) assert.equal(inbox.push(message(i)), true);
  assert.equal(inbox.shift()?.[0], 0);
  assert.equal(inbox.shift()?.[0], 1);
  assert.equal(inbox.shift(), undefined, "the burst is spent");
  assert.equal(inbox.size, 3);
  assert.equal(inbox.msUntilNext(), 100);
  time += 100;
  assert.equal(inbox.shift()?.[0], 2);
  assert.equal(inbox.shift(), undefined);
  time += 1_000;
  assert.equal(inbox.shift()?.[0], 3);
  assert.equal(inbox.shift()?.[0], 4);
  assert.equal(inbox.size, 0);
  assert.equal(inbox.bytes, 0);
});

Deno.test("MessageThrottle – overflows past its message or byte bound", () => {
  const inbox = throttle(() => 0);
  for (let i = 0; i < 5; i++) inbox.push(message(i));
  assert.equal(inbox.push(message(5)), false, "a sixth message");
  const bytes = throttle(() => 0);
  assert.equal(bytes.push(new Uint8Array(90)), true);
  assert.equal(bytes.push(new Uint8Array(11)), false, "101 bytes");
  assert.equal(bytes.push(new Uint8Array(10)), true);
});

Deno.test("MessageThrottle – clear drops what waits", () => {
  const inbox = throttle(() => 0);
  inbox.push(message(1));
  inbox.clear();
  assert.equal(inbox.size, 0);
  assert.equal(inbox.shift(), undefined);
});
