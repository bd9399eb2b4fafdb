import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { RateLimiter, TokenBucket } from "./rate_limiter.ts";

function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

Deno.test("TokenBucket – allows a burst, then the sustained rate", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: clock.now });
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
  assert.equal(bucket.msUntilToken(), 100);
  clock.advance(99);
  assert.equal(bucket.take(), false);
  clock.advance(1);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
});

Deno.test("TokenBucket – refills to the burst and no further", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, now: clock.now });
  bucket.take();
  bucket.take();
  assert.equal(bucket.full, false);
  clock.advance(60_000);
  assert.equal(bucket.full, true);
  assert.equal(bucket.tokens, 2);
  assert.equal(bucket.msUntilToken(), 0);
});

Deno.test("TokenBucket – a clock going backwards adds nothing", () => {
  const clock = manualClock();
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, now: clock.now });
  bucket.take();
  clock.advance(-5_000);
  assert.equal(bucket.take(), false);
});

Deno.test("TokenBucket – refuses a rate or burst that limits nothing", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1 }), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: 0 }), RangeError);
});

Deno.test("RateLimiter – counts each key apart and says how long to wait", () => {
  const clock = manualClock();
  const limiter = new RateLimiter({ perMinute: 2, now: clock.now });
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 30, "one token comes back every 30 s");
  assert.equal(limiter.take("b"), 0, "another address has its own budget");
  clock.advance(29_500);
  assert.equal(limiter.take("a"), 1, "never says 0 while refusing");
  clock.advance(500);
  assert.equal(limiter.take("a"), 0);
});

Deno.test("RateLimiter.enforce – refuses with a 429 that says when to retry", () => {
  const clock = manualClock();
  const limiter = new RateLimiter({ perMinute: 2, now: clock.now });
  limiter.enforce("a", "new rooms", "room_creation_rate");
  limiter.enforce("a", "new rooms", "room_creation_rate");
  assert.throws(
    () => limiter.enforce("a", "new rooms", "room_creation_rate"),
    (error) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 429);
      assert.equal(
        error.message,
        "Too many new rooms from your address (2 a minute): try again in 30 s",
      );
      assert.equal(error.retryAfterSeconds, 30);
      assert.equal(error.reason, "room_creation_rate");
      return true;
    },
  );
  limiter.enforce("b", "new rooms", "room_creation_rate");
  clock.advance(30_000);
  limiter.enforce("a", "new rooms", "room_creation_rate");
});

Deno.test("RateLimiter.take – weighs an action by its cost, never more than a minute's worth", () => {
  const clock = manualClock();
  const limiter = new RateLimiter({ perMinute: 60, now: clock.now });
  assert.equal(limiter.take("a", 40), 0);
  assert.equal(limiter.take("a", 40), 20, "20 more tokens take 20 s at one a second");
  assert.equal(limiter.take("a", 20), 0);
  clock.advance(60_000);
  assert.equal(
    limiter.take("a", 1_000),
    0,
    "an action over the whole budget costs the whole budget",
  );
  assert.equal(limiter.take("a", 1), 1);
});

Deno.test("RateLimiter – forgets keys whose budget has refilled", () => {
  const clock = manualClock();
  const limiter = new RateLimiter({ perMinute: 60, now: clock.now });
  for (let i = 0; i < 50; i++) limiter.take(`10.0.0.${i}`);
  assert.equal(limiter.size, 50);
  clock.advance(1_000);
  limiter.sweep();
  assert.equal(limiter.size, 0);
});

Deno.test("RateLimiter – never holds more than maxKeys", () => {
  const clock = manualClock();
  const limiter = new RateLimiter({ perMinute: 60, now: clock.now, maxKeys: 10 });
  for (let i = 0; i < 100; i++) limiter.take(`key${i}`);
  assert.ok(limiter.size <= 10);
  assert.equal(limiter.take("key99"), 0);
});
