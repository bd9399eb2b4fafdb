/**
 * A worker that wakes the load generator at a precise moment. Deno's
 * `setTimeout` fires one to two milliseconds late, which would add that much
 * to every measured latency; `Atomics.wait` in a worker is accurate to tens of
 * microseconds. Shared memory: `Int32Array [generation, stop]` at 0 and
 * `Float64Array [due]` (epoch ms) at 8; the worker posts a message when due.
 */
/// <reference lib="deno.worker" />

self.onmessage = (event: MessageEvent<SharedArrayBuffer>) => {
  const flags = new Int32Array(event.data, 0, 2);
  const due = new Float64Array(event.data, 8, 1);
  while (Atomics.load(flags, 1) === 0) {
    const generation = Atomics.load(flags, 0);
    const wait = due[0] - (performance.timeOrigin + performance.now());
    if (wait > 0) {
      // Wakes early when the generator sets a new due time; at most every 50 ms
      // to notice a stop.
      Atomics.wait(flags, 0, generation, Math.min(wait, 50));
      continue;
    }
    due[0] = Infinity;
    self.postMessage(0);
  }
  self.close();
};
