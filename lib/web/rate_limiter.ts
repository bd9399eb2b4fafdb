// Hand-written: Hono has no rate limiter; one small token bucket with an injected clock meters the HTTP limits and each socket.
import { HttpError } from "./errors.ts";
import type { RejectionReason } from "../ops/limits.ts";

/** Options for {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Most tokens the bucket holds; it starts full. */
  burst: number;
  /** Milliseconds since some fixed point; default `Date.now`. */
  now?: () => number;
}

/**
 * A token bucket: `burst` actions at once, then `ratePerSecond` sustained.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ ratePerSecond: 60, burst: 120 });
 * if (bucket.take()) handle(message);
 * else setTimeout(retry, bucket.msUntilToken());
 * ```
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError("A token bucket needs a positive rate and a burst of at least 1");
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#updatedAt = this.#now();
  }

  /** Tokens available now (fractional while refilling). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Whether the bucket is full again, so forgetting it changes nothing. */
  get full(): boolean {
    return this.tokens >= this.burst;
  }

  /** Takes `count` tokens (default one) if there are that many. */
  take(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens (default one) are available; 0 when they are. */
  msUntilToken(count = 1): number {
    this.#refill();
    if (this.#tokens >= count) return 0;
    return Math.ceil(((count - this.#tokens) / this.ratePerSecond) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.ratePerSecond);
  }
}

/** Options for {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Actions per key per minute, sustained; a fresh key may use them at once. */
  perMinute: number;
  /** Milliseconds since some fixed point; default `Date.now`. */
  now?: () => number;
  /** Keys remembered at most; the oldest are forgotten past it. Default 100,000. */
  maxKeys?: number;
}

/**
 * Per-key rate limits (a key is a client address), each a {@linkcode TokenBucket}
 * holding a minute's worth. Memory stays bounded: full buckets are forgotten.
 */
export class RateLimiter {
  #perMinute: number;
  #now: () => number;
  #maxKeys: number;
  #buckets = new Map<string, TokenBucket>();
  #takesSinceSweep = 0;

  constructor(options: RateLimiterOptions) {
    this.#perMinute = options.perMinute;
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Keys with a bucket in memory. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Counts one action for `key`, weighing `cost` (default 1, at most a minute's worth). Returns 0
   * when it is allowed, else the whole seconds to wait (for a `Retry-After` header).
   */
  take(key: string, cost = 1): number {
    if (++this.#takesSinceSweep >= 1_000) this.sweep();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) this.sweep();
      // Still full of busy keys: forget the oldest, which is lenient, not wrong.
      while (this.#buckets.size >= this.#maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = new TokenBucket({
        ratePerSecond: this.#perMinute / 60,
        burst: this.#perMinute,
        now: this.#now,
      });
      this.#buckets.set(key, bucket);
    }
    const weight = Math.min(cost, this.#perMinute);
    if (bucket.take(weight)) return 0;
    return Math.max(1, Math.ceil(bucket.msUntilToken(weight) / 1000));
  }

  /**
   * Counts one action for `key`, or refuses it with a 429 {@linkcode HttpError}
   * that says when to try again: "Too many `what` from your address …".
   */
  enforce(key: string, what: string, reason: RejectionReason, options: EnforceOptions = {}): void {
    const wait = this.take(key, options.cost);
    if (wait === 0) return;
    const rate = options.describeRate?.(this.#perMinute) ?? `${this.#perMinute}`;
    throw new HttpError(
      429,
      `Too many ${what} from your address (${rate} a minute): try again in ${wait} s`,
      { reason, retryAfterSeconds: wait },
    );
  }

  /** Forgets every key whose bucket has filled up again. */
  sweep(): void {
    this.#takesSinceSweep = 0;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.full) this.#buckets.delete(key);
    }
  }
}

/** Options for {@linkcode RateLimiter.enforce}. */
export interface EnforceOptions {
  /** What the action weighs in the limiter's units; default 1. */
  cost?: number;
  /** How the message states the rate, from the limiter's units per minute; default the number. */
  describeRate?: (perMinute: number) => string;
}

/** The per-address limits of the HTTP API. */
export interface RateLimits {
  /** `POST /rooms`. */
  roomCreation: RateLimiter;
  /** `POST /autocomplete`. */
  autocomplete: RateLimiter;
  /** Room pages, weighed by their code in KiB (a page of a big room costs its size to render). */
  pageRenders: RateLimiter;
}

/** Creates the HTTP API's per-address limiters from the configured limits. */
export function createRateLimits(
  limits: { roomsPerMinute: number; autocompletePerMinute: number; pageBytesPerMinute: number },
  options: { now?: () => number } = {},
): RateLimits {
  return {
    roomCreation: new RateLimiter({ perMinute: limits.roomsPerMinute, now: options.now }),
    autocomplete: new RateLimiter({ perMinute: limits.autocompletePerMinute, now: options.now }),
    pageRenders: new RateLimiter({
      perMinute: Math.max(1, Math.floor(limits.pageBytesPerMinute / 1024)),
      now: options.now,
    }),
  };
}
