import assert from "node:assert/strict";
import { RunHistory } from "./run_history.ts";
import type { ServerRunEvent } from "../shared/run_wire.ts";

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => time += ms };
}

function startedId(events: ServerRunEvent[]): string {
  const start = events.find((event) => event.t === "start");
  assert.ok(start && start.t === "start");
  return start.run.id;
}

Deno.test("RunHistory – relays a run's start, output and end, timed by its own clock", () => {
  const time = clock();
  const history = new RunHistory<string>({ now: time.now });
  const id = startedId(
    history.receive("ana", "Ana", { t: "start", run: "a1", language: "javascript" }),
  );
  const output = history.receive("ana", "Ana", {
    t: "output",
    run: "a1",
    items: [{ s: "out", text: "hi" }],
  });
  assert.deepEqual(output, [{
    t: "output",
    run: id,
    items: [{ s: "out", text: "hi" }],
    truncated: false,
  }]);
  time.advance(1234);
  const end = history.receive("ana", "Ana", { t: "end", run: "a1", status: "ok" });
  assert.deepEqual(end, [{ t: "end", run: id, status: "ok", ms: 1234, truncated: false }]);
  assert.equal(history.runs.length, 1);
  assert.equal(history.runs[0].by, "Ana");
  assert.deepEqual(history.runs[0].items, [{ s: "out", text: "hi" }]);
});

Deno.test("RunHistory – ignores output and ends of runs that are not the sender's current one", () => {
  const history = new RunHistory<string>({ now: clock().now });
  history.receive("ana", "Ana", { t: "start", run: "a1", language: "javascript" });
  assert.deepEqual(
    history.receive("bob", "Bob", { t: "output", run: "a1", items: [{ s: "out", text: "x" }] }),
    [],
  );
  assert.deepEqual(history.receive("bob", "Bob", { t: "end", run: "a1", status: "ok" }), []);
  assert.deepEqual(
    history.receive("ana", "Ana", { t: "output", run: "zz", items: [{ s: "out", text: "x" }] }),
    [],
  );
  assert.equal(history.runs[0].status, "running");
  assert.deepEqual(history.runs[0].items, []);
});

Deno.test("RunHistory – holds a run to its output limits whatever the page sends", () => {
  const history = new RunHistory<string>({ now: clock().now, maxRunBytes: 10, maxRunLines: 3 });
  history.receive("ana", "Ana", { t: "start", run: "a1", language: "javascript" });
  const first = history.receive("ana", "Ana", {
    t: "output",
    run: "a1",
    items: [{ s: "out", text: "12345" }, { s: "out", text: "6789012345" }, { s: "out", text: "x" }],
  });
  assert.equal(first.length, 1);
  assert.ok(first[0].t === "output");
  assert.equal(first[0].truncated, true);
  assert.deepEqual(first[0].items, [{ s: "out", text: "12345" }, { s: "out", text: "67890" }]);
  // Once truncated, nothing more is kept or relayed.
  assert.deepEqual(
    history.receive("ana", "Ana", { t: "output", run: "a1", items: [{ s: "out", text: "y" }] }),
    [],
  );
  assert.equal(history.runs[0].truncated, true);
  const lines = new RunHistory<string>({ now: clock().now, maxRunLines: 3 });
  lines.receive("ana", "Ana", { t: "start", run: "a1", language: "javascript" });
  const [cut] = lines.receive("ana", "Ana", {
    t: "output",
    run: "a1",
    items: [{ s: "out", text: "1\n2\n3\n4\n5" }],
  });
  assert.ok(cut.t === "output");
  assert.deepEqual(cut.items, [{ s: "out", text: "1\n2\n3" }]);
});

Deno.test("RunHistory – keeps the last runs, and fewer when their output is large", () => {
  const history = new RunHistory<number>({ now: clock().now, keep: 3 });
  for (let n = 0; n < 5; n++) {
    history.receive(n, `P${n}`, { t: "start", run: "r", language: "javascript" });
  }
  assert.deepEqual(history.runs.map((run) => run.by), ["P2", "P3", "P4"]);

  const big = new RunHistory<number>({ now: clock().now, maxRunBytes: 100, maxKeptBytes: 250 });
  for (let n = 0; n < 4; n++) {
    big.receive(n, `P${n}`, { t: "start", run: "r", language: "javascript" });
    big.receive(n, `P${n}`, {
      t: "output",
      run: "r",
      items: [{ s: "out", text: "x".repeat(100) }],
    });
    big.receive(n, `P${n}`, { t: "end", run: "r", status: "ok" });
  }
  assert.deepEqual(big.runs.map((run) => run.by), ["P2", "P3"]);
});

Deno.test("RunHistory – a new start stops the sender's running run, and leaving ends it", () => {
  const history = new RunHistory<string>({ now: clock().now });
  const first = startedId(
    history.receive("ana", "Ana", { t: "start", run: "a1", language: "javascript" }),
  );
  const events = history.receive("ana", "Ana", { t: "start", run: "a2", language: "typescript" });
  assert.deepEqual(events.map((event) => event.t), ["end", "start"]);
  assert.ok(events[0].t === "end" && events[0].run === first && events[0].status === "stopped");
  const [left] = history.leave("ana");
  assert.ok(left.t === "end" && left.status === "disconnected");
  assert.deepEqual(history.leave("ana"), []);
});
