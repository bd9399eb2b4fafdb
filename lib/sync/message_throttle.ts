import { TokenBucket } from "../web/rate_limiter.ts";

/** Options for {@linkcode MessageThrottle}. */
export interface MessageThrottleOptions {
  /** Messages handled per second, sustained. */
  ratePerSecond: number;
  /** Messages handled at once after a quiet spell. */
  burst: number;
  /** Most messages waiting; one more overflows. */
  maxQueuedMessages: number;
  /** Most bytes waiting; more overflows. */
  maxQueuedBytes: number;
  /** Milliseconds since some fixed point; default `Date.now`. */
  now?: () => number;
}

/**
 * One connection's incoming messages, released at a sustained rate: a flood
 * waits its turn (so it cannot take the server from everyone else) and, past
 * a bound, overflows.
 *
 * @example
 * ```ts
 * if (!throttle.push(message)) closeForFlooding();
 * for (let next = throttle.shift(); next; next = throttle.shift()) handle(next);
 * if (throttle.size) setTimeout(drainAgain, throttle.msUntilNext());
 * ```
 */
export class MessageThrottle {
  #bucket: TokenBucket;
  #maxMessages: number;
  #maxBytes: number;
  #queue: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;

  constructor(options: MessageThrottleOptions) {
    this.#bucket = new TokenBucket({
      ratePerSecond: options.ratePerSecond,
      burst: options.burst,
      now: options.now,
    });
    this.#maxMessages = options.maxQueuedMessages;
    this.#maxBytes = options.maxQueuedBytes;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a message; false when that goes past a bound (the message is dropped). */
  push(message: Uint8Array): boolean {
    if (this.size + 1 > this.#maxMessages || this.#bytes + message.byteLength > this.#maxBytes) {
      return false;
    }
    this.#queue.push(message);
    this.#bytes += message.byteLength;
    return true;
  }

  /** The oldest waiting message if its turn has come (spending a token), else `undefined`. */
  shift(): Uint8Array | undefined {
    if (this.size === 0 || !this.#bucket.take()) return undefined;
    const message = this.#queue[this.#head++];
    this.#bytes -= message.byteLength;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    return message;
  }

  /** Milliseconds until the next waiting message may go; 0 when it may now. */
  msUntilNext(): number {
    return this.#bucket.msUntilToken();
  }

  /** Drops everything waiting. */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
