/**
 * A latency histogram with log-spaced buckets (2 % wide, from 1 µs to about
 * 5 minutes): constant memory, mergeable across processes, and percentiles
 * within 2 % of the true value. The maximum is kept exactly.
 */

const MIN_MS = 0.001;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1024;

/** A histogram as it travels between processes: sparse `[bucket, count]` pairs. */
export interface HistogramJson {
  buckets: [number, number][];
  count: number;
  sum: number;
  max: number;
}

/** The percentiles every report shows, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** Latencies in milliseconds. */
export class Histogram {
  #counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  /** Records one value in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const value = ms > 0 ? ms : 0;
    let bucket = value <= MIN_MS ? 0 : Math.ceil(Math.log(value / MIN_MS) / LOG_GROWTH);
    if (bucket >= BUCKETS) bucket = BUCKETS - 1;
    this.#counts[bucket]++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** Adds another histogram's counts to this one. */
  merge(other: Histogram | HistogramJson): void {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (const [bucket, count] of json.buckets) this.#counts[bucket] += count;
    this.count += json.count;
    this.sum += json.sum;
    if (json.max > this.max) this.max = json.max;
  }

  /** The value at quantile `q` (0–1): the upper edge of its bucket, capped at the maximum. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket];
      if (seen >= rank) return Math.min(this.max, MIN_MS * GROWTH ** bucket);
    }
    return this.max;
  }

  /** Count, mean and the usual percentiles. */
  summary(): LatencySummary {
    return {
      count: this.count,
      mean: this.count ? this.sum / this.count : NaN,
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.count ? this.max : NaN,
    };
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      if (this.#counts[bucket]) buckets.push([bucket, this.#counts[bucket]]);
    }
    return { buckets, count: this.count, sum: this.sum, max: this.max };
  }

  /** A histogram from its JSON form. */
  static from(json: HistogramJson): Histogram {
    const histogram = new Histogram();
    histogram.merge(json);
    return histogram;
  }
}
