/** Label values of one series, by label name. */
export type Labels = Record<string, string>;

/** The `Content-Type` of {@linkcode MetricsRegistry.render}: Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Options shared by every metric. */
export interface MetricOptions {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`, e.g. `duet_connections`. */
  name: string;
  /** One line saying what it measures. */
  help: string;
  /** The labels each observation must give, in order. */
  labelNames?: readonly string[];
}

/** Options for {@linkcode MetricsRegistry.histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets: readonly number[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric<Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected series = new Map<string, { labels: Labels; value: Series }>();

  constructor(options: MetricOptions) {
    if (!NAME.test(options.name)) throw new TypeError(`Invalid metric name ${options.name}`);
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
        throw new TypeError(`Invalid label name ${label} on ${options.name}`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  abstract readonly type: "counter" | "gauge" | "histogram";
  protected abstract initial(): Series;
  protected abstract lines(labels: Labels, value: Series): string[];

  protected seriesFor(labels: Labels = {}): Series {
    const names = Object.keys(labels);
    if (
      names.length !== this.labelNames.length ||
      !this.labelNames.every((name) => typeof labels[name] === "string")
    ) {
      throw new TypeError(
        `${this.name} takes the labels [${this.labelNames.join(", ")}], got [${names.join(", ")}]`,
      );
    }
    const key = this.labelNames.map((name) => labels[name]).join("\u0000");
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, value: this.initial() };
      this.series.set(key, entry);
    }
    return entry.value;
  }

  /** This metric's lines in the text format. */
  render(): string {
    const lines = [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    const entries = [...this.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, { labels, value }] of entries) lines.push(...this.lines(labels, value));
    return lines.join("\n");
  }
}

/** A metric with one number per series: the shared half of counters and gauges. */
abstract class ValueMetric extends Metric<{ value: number }> {
  /** The current value, for tests. */
  get(labels?: Labels): number {
    return this.seriesFor(labels).value;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  protected lines(labels: Labels, series: { value: number }): string[] {
    return [`${this.name}${formatLabels(labels)} ${formatNumber(series.value)}`];
  }
}

/** A count that only goes up. */
export class Counter extends ValueMetric {
  readonly type = "counter";

  /** Adds `amount` (default 1) to the series with these labels. */
  inc(labels?: Labels, amount = 1): void {
    this.#add(this.seriesFor(labels), amount);
  }

  /**
   * The series with these labels, looked up once: for counting on a hot path
   * without building its key on every call.
   */
  labels(labels?: Labels): { inc(amount?: number): void } {
    const series = this.seriesFor(labels);
    return { inc: (amount = 1) => this.#add(series, amount) };
  }

  #add(series: { value: number }, amount: number): void {
    if (!(amount >= 0)) throw new RangeError(`A counter cannot go down (${this.name})`);
    series.value += amount;
  }
}

/** A value that goes up and down. */
export class Gauge extends ValueMetric {
  readonly type = "gauge";

  /** Sets the series with these labels to `value`. */
  set(value: number, labels?: Labels): void {
    this.seriesFor(labels).value = value;
  }

  /** Adds `amount` (negative to subtract). */
  add(amount: number, labels?: Labels): void {
    this.seriesFor(labels).value += amount;
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into buckets, with their sum and count. */
export class Histogram extends Metric<HistogramSeries> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    super(options);
    const buckets = options.buckets.filter((bound) => bound !== Infinity);
    if (buckets.some((bound, i) => Number.isNaN(bound) || (i > 0 && bound <= buckets[i - 1]))) {
      throw new TypeError(`Buckets of ${options.name} must ascend`);
    }
    this.buckets = buckets;
  }

  /** Records one observation. */
  observe(value: number, labels?: Labels): void {
    const series = this.seriesFor(labels);
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]) series.counts[i]++;
    }
    series.sum += value;
    series.count++;
  }

  /** How many observations there were, for tests. */
  count(labels?: Labels): number {
    return this.seriesFor(labels).count;
  }

  protected initial(): HistogramSeries {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  protected lines(labels: Labels, series: HistogramSeries): string[] {
    const lines = this.buckets.map((bound, i) =>
      `${this.name}_bucket${formatLabels({ ...labels, le: formatNumber(bound) })} ${
        series.counts[i]
      }`
    );
    lines.push(
      `${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${series.count}`,
      `${this.name}_sum${formatLabels(labels)} ${formatNumber(series.sum)}`,
      `${this.name}_count${formatLabels(labels)} ${series.count}`,
    );
    return lines;
  }
}

/**
 * The metrics of one process, rendered for Prometheus.
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const requests = registry.counter({ name: "requests_total", help: "Requests.", labelNames: ["code"] });
 * requests.inc({ code: "200" });
 * registry.render();
 * ```
 */
export class MetricsRegistry {
  #metrics = new Map<string, Counter | Gauge | Histogram>();

  /** Registers a counter. */
  counter(options: MetricOptions): Counter {
    return this.#register(new Counter(options));
  }

  /** Registers a gauge; a gauge without labels reads 0 until set. */
  gauge(options: MetricOptions): Gauge {
    const gauge = this.#register(new Gauge(options));
    if (gauge.labelNames.length === 0) gauge.set(0);
    return gauge;
  }

  /** Registers a histogram. */
  histogram(options: HistogramOptions): Histogram {
    const histogram = this.#register(new Histogram(options));
    if (histogram.labelNames.length === 0) histogram.count();
    return histogram;
  }

  /** Every metric in the Prometheus text format 0.0.4, ending in a newline. */
  render(): string {
    return [...this.#metrics.values()].map((metric) => metric.render()).join("\n") + "\n";
  }

  #register<T extends Counter | Gauge | Histogram>(metric: T): T {
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(`Metric ${metric.name} is already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}

/** Duet's metrics; `GET /metrics` renders {@linkcode DuetMetrics.registry}. */
export interface DuetMetrics {
  registry: MetricsRegistry;
  /** Rooms in memory (set when scraped). */
  openRooms: Gauge;
  /** Open WebSockets (set when scraped). */
  connections: Gauge;
  /** Messages received from clients, by `type`. */
  messagesIn: Counter;
  /** Messages sent to clients, by `type`. */
  messagesOut: Counter;
  /** Document updates received from clients (step 2 and update messages). */
  updatesIn: Counter;
  /** Document updates sent to clients. */
  updatesOut: Counter;
  /** Refused requests and closed connections, by `reason` (see `RejectionReason`). */
  rejections: Counter;
  /** Updates written per group commit (fed by the storage layer). */
  commitBatchUpdates: Histogram;
  /** Seconds per group commit (fed by the storage layer). */
  commitSeconds: Histogram;
  /** Seconds of each group commit spent on the event loop's thread. */
  commitMainThreadSeconds: Histogram;
  /** Update-log rows not yet folded into a snapshot (fed by the storage layer). */
  logRowsPending: Gauge;
  /** Seconds between a change in one process and its arrival in another (fed by the bus). */
  busLagSeconds: Histogram;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates Duet's metrics in a new registry. */
export function createDuetMetrics(): DuetMetrics {
  const registry = new MetricsRegistry();
  return {
    registry,
    openRooms: registry.gauge({ name: "duet_open_rooms", help: "Rooms in memory." }),
    connections: registry.gauge({
      name: "duet_connections",
      help: "Open live-sync WebSockets.",
    }),
    messagesIn: registry.counter({
      name: "duet_messages_in_total",
      help: "WebSocket messages received from clients, by type.",
      labelNames: ["type"],
    }),
    messagesOut: registry.counter({
      name: "duet_messages_out_total",
      help: "WebSocket messages sent to clients, by type.",
      labelNames: ["type"],
    }),
    updatesIn: registry.counter({
      name: "duet_updates_in_total",
      help: "Document updates received from clients.",
    }),
    updatesOut: registry.counter({
      name: "duet_updates_out_total",
      help: "Document updates sent to clients.",
    }),
    rejections: registry.counter({
      name: "duet_rejections_total",
      help: "Requests refused and connections closed by a limit or for bad input, by reason.",
      labelNames: ["reason"],
    }),
    commitBatchUpdates: registry.histogram({
      name: "duet_commit_batch_updates",
      help: "Updates written per group commit.",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    }),
    commitSeconds: registry.histogram({
      name: "duet_commit_seconds",
      help: "Time to write one group commit, in seconds.",
      buckets: SECONDS_BUCKETS,
    }),
    commitMainThreadSeconds: registry.histogram({
      name: "duet_commit_main_thread_seconds",
      help:
        "Time of one group commit spent on the event loop's thread (cutting the batch, handing it to the database), in seconds.",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
    }),
    logRowsPending: registry.gauge({
      name: "duet_log_rows_pending",
      help: "Update-log rows awaiting compaction into a snapshot.",
    }),
    busLagSeconds: registry.histogram({
      name: "duet_bus_lag_seconds",
      help: "Delay between a change in one process and its arrival in another, in seconds.",
      buckets: SECONDS_BUCKETS,
    }),
  };
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) =>
    `${name}="${value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`
  );
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(value);
}
