import assert from "node:assert/strict";
import { createDuetMetrics, MetricsRegistry } from "./metrics.ts";

Deno.test("MetricsRegistry – renders counters, gauges and histograms in text format 0.0.4", () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter({
    name: "requests_total",
    help: "Requests handled.",
    labelNames: ["code"],
  });
  const open = registry.gauge({ name: "open_things", help: "Things open." });
  const latency = registry.histogram({
    name: "latency_seconds",
    help: "Latency.",
    buckets: [0.1, 1],
  });
  requests.inc({ code: "200" });
  requests.inc({ code: "200" }, 2);
  requests.inc({ code: "404" });
  open.set(7);
  open.add(-2);
  latency.observe(0.05);
  latency.observe(0.5);
  latency.observe(3);
  assert.equal(
    registry.render(),
    [
      "# HELP requests_total Requests handled.",
      "# TYPE requests_total counter",
      'requests_total{code="200"} 3',
      'requests_total{code="404"} 1',
      "# HELP open_things Things open.",
      "# TYPE open_things gauge",
      "open_things 5",
      "# HELP latency_seconds Latency.",
      "# TYPE latency_seconds histogram",
      'latency_seconds_bucket{le="0.1"} 1',
      'latency_seconds_bucket{le="1"} 2',
      'latency_seconds_bucket{le="+Inf"} 3',
      "latency_seconds_sum 3.55",
      "latency_seconds_count 3",
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry – escapes label values and help text", () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter({
    name: "odd_total",
    help: "Back\\slash\nnewline",
    labelNames: ["v"],
  });
  counter.inc({ v: 'a"b\\c\nd' });
  const text = registry.render();
  assert.match(text, /^# HELP odd_total Back\\\\slash\\nnewline$/m);
  assert.ok(text.includes('odd_total{v="a\\"b\\\\c\\nd"} 1'));
});

Deno.test("MetricsRegistry – refuses wrong labels, names and decreasing counters", () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter({ name: "x_total", help: "x", labelNames: ["reason"] });
  assert.throws(() => counter.inc(), TypeError);
  assert.throws(() => counter.inc({ reason: "a", extra: "b" }), TypeError);
  assert.throws(() => counter.inc({ reason: "a" }, -1), RangeError);
  assert.throws(() => registry.counter({ name: "x_total", help: "again" }), TypeError);
  assert.throws(() => registry.gauge({ name: "bad-name", help: "x" }), TypeError);
  assert.throws(() => registry.gauge({ name: "g", help: "x", labelNames: ["le"] }), TypeError);
  assert.throws(
    () => registry.histogram({ name: "h", help: "x", buckets: [1, 1] }),
    TypeError,
  );
});

Deno.test("createDuetMetrics – names every metric the server and storage feed", () => {
  const metrics = createDuetMetrics();
  metrics.rejections.inc({ reason: "room_full" });
  metrics.commitBatchUpdates.observe(12);
  metrics.commitSeconds.observe(0.004);
  metrics.busLagSeconds.observe(0.02);
  metrics.logRowsPending.set(40);
  const text = metrics.registry.render();
  for (
    const name of [
      "duet_open_rooms",
      "duet_connections",
      "duet_messages_in_total",
      "duet_messages_out_total",
      "duet_updates_in_total",
      "duet_updates_out_total",
      "duet_rejections_total",
      "duet_commit_batch_updates",
      "duet_commit_seconds",
      "duet_log_rows_pending",
      "duet_bus_lag_seconds",
    ]
  ) {
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"), name);
  }
  assert.match(text, /^duet_rejections_total\{reason="room_full"\} 1$/m);
  assert.match(text, /^duet_commit_batch_updates_bucket\{le="20"\} 1$/m);
  assert.match(text, /^duet_log_rows_pending 40$/m);
  assert.match(text, /^duet_open_rooms 0$/m);
});

Deno.test("Counter.labels – counts into the same series as inc, looked up once", () => {
  const registry = new MetricsRegistry();
  const messages = registry.counter({ name: "m_total", help: "M.", labelNames: ["type"] });
  const updates = messages.labels({ type: "update" });
  updates.inc();
  updates.inc(2);
  messages.inc({ type: "update" });
  assert.equal(messages.get({ type: "update" }), 4);
  assert.equal(messages.get({ type: "awareness" }), 0);
  assert.throws(() => updates.inc(-1), RangeError);
  assert.throws(() => messages.labels({ kind: "update" }), TypeError);
});
