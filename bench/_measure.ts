/**
 * Measuring one window: the load generator processes, the latency probe, and the figures of a step.
 *
 * @module
 */
import { Histogram, type HistogramJson, type LatencySummary } from "./_histogram.ts";
import {
  allProcessesCpu,
  cpuSeconds,
  memory,
  otherCpuSeconds,
  stealSeconds,
  threadCpuSeconds,
} from "./_proc.ts";
import {
  decodeIncoming,
  encodeHocuspocusAuth,
  encodeSyncStep1,
  framePrefix,
  Incoming,
  newDecoded,
  type ServerKind,
} from "./_wire.ts";
import type { GeneratorConfig, RoomPlan, VerifyResult, WindowReport } from "./load_generator.ts";
import { children, type RunningServer, v8Flags } from "./_servers.ts";
import {
  DELETE_FRACTION,
  KEYS_PER_SECOND,
  log,
  P99_LIMIT_MS,
  pinned,
  type Pinning,
  ROOT,
  sleep,
} from "./_settings.ts";

// ---------------------------------------------------------------- load generators

let clientIdBase = 1_000;
let seedCounter = 1;

/** One load generator child process (bench/load_generator.ts). */
export class GeneratorProcess {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #events: Record<string, unknown>[] = [];
  #waiters: { event: string; resolve: (value: Record<string, unknown>) => void }[] = [];
  #done: Promise<void>;

  constructor(config: GeneratorConfig, pinning: Pinning) {
    const [program, args] = pinned(pinning.load, Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      ...v8Flags("DUET_BENCH_GEN_V8_FLAGS"),
      `${ROOT}bench/load_generator.ts`,
    ]);
    this.child = new Deno.Command(program, {
      args,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.pid = this.child.pid;
    children.add(this.child);
    this.child.status.finally(() => children.delete(this.child));
    this.#writer = this.child.stdin.getWriter();
    this.send(config);
    this.#done = this.#read();
  }

  static start(
    server: RunningServer,
    pinning: Pinning,
    plan: Partial<GeneratorConfig>,
  ): GeneratorProcess {
    const rooms = plan.rooms ?? [];
    const clients = rooms.reduce((n, room) => n + room.typists + (room.listeners ?? 0), 0);
    const config: GeneratorConfig = {
      kind: server.kind,
      urlBase: server.urlBase,
      rooms,
      clientIdBase,
      seed: seedCounter++,
      keysPerSecond: KEYS_PER_SECOND,
      deleteFraction: DELETE_FRACTION,
      verifyRooms: Number(Deno.env.get("BENCH_VERIFY_ROOMS") ?? Math.min(2, rooms.length)),
      connectConcurrency: 64,
      syncTimeoutMs: 30_000,
      maxSeconds: 900,
      ...plan,
    };
    // Room for churn's fresh sessions and openers' clients.
    clientIdBase += clients + 1_000_000;
    return new GeneratorProcess(config, pinning);
  }

  send(message: unknown): void {
    this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n")).catch(() => {});
  }

  async #read(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        const waiter = this.#waiters.findIndex((w) => w.event === event.event);
        if (waiter >= 0) this.#waiters.splice(waiter, 1)[0].resolve(event);
        else this.#events.push(event);
      }
    }
  }

  /** The next event of this name, waiting for it at most `timeoutMs`. */
  next<T = Record<string, unknown>>(event: string, timeoutMs = 120_000): Promise<T> {
    const queued = this.#events.findIndex((e) => e.event === event);
    if (queued >= 0) return Promise.resolve(this.#events.splice(queued, 1)[0] as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Load generator sent no "${event}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        event,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
      });
    });
  }

  async stop(): Promise<
    { verify: VerifyResult; errors: number }
  > {
    this.send({ cmd: "stop" });
    const stopped = await this.next<
      { verify: VerifyResult; errors: number }
    >("stopped", 30_000).catch(() => ({
      verify: { rooms: 0, ok: 0, incomplete: 0, problems: ["no answer"] },
      errors: 1,
    }));
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 10_000);
    await this.child.status;
    clearTimeout(timer);
    await this.#done.catch(() => {});
    return stopped;
  }
}

// ---------------------------------------------------------------- the probe

/**
 * Asks the server for sync (step 1 in an empty room) ten times a second and
 * times the answer: the server's responsiveness seen from outside, an upper
 * bound of its event-loop lag (it includes the network and the load core).
 */
export class Probe {
  #socket?: WebSocket;
  #histograms = new Map<number, Histogram>();
  #current = -1;
  #pending?: { sent: number; resolve: () => void };
  #running = true;
  #loop?: Promise<void>;

  async start(server: RunningServer): Promise<void> {
    const room = await server.createRoom();
    const prefix = framePrefix(server.kind, room);
    const socket = new WebSocket(server.urlBase + room);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    const decoded = newDecoded();
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => {
        if (server.kind === "hocuspocus") socket.send(encodeHocuspocusAuth(prefix));
        resolve();
      };
      socket.onerror = () => reject(new Error("Probe could not connect"));
    });
    socket.onmessage = (event) => {
      decodeIncoming(
        new Uint8Array(event.data as ArrayBuffer),
        server.kind === "hocuspocus",
        decoded,
      );
      if (decoded.kind === Incoming.syncStep2 && this.#pending) {
        const rtt = performance.now() - this.#pending.sent;
        this.#histogram(this.#current).record(rtt);
        this.#pending.resolve();
      }
    };
    const message = encodeSyncStep1(prefix);
    this.#loop = (async () => {
      while (this.#running && socket.readyState === WebSocket.OPEN) {
        const tick = performance.now();
        await new Promise<void>((resolve) => {
          this.#pending = { sent: performance.now(), resolve };
          socket.send(message);
        });
        this.#pending = undefined;
        await sleep(Math.max(0, 100 - (performance.now() - tick)));
      }
    })();
  }

  #histogram(id: number): Histogram {
    let histogram = this.#histograms.get(id);
    if (!histogram) this.#histograms.set(id, histogram = new Histogram());
    return histogram;
  }

  mark(id: number | null): void {
    this.#current = id ?? -1;
  }

  summary(id: number): LatencySummary {
    return this.#histogram(id).summary();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#pending?.resolve();
    this.#socket?.close();
    await this.#loop;
  }
}

// ---------------------------------------------------------------- measuring a window

/** The figures of one measured step. */
export interface StepResult {
  server: ServerKind;
  rooms: number;
  perRoom: number;
  typists: number;
  seconds: number;
  keystrokes: number;
  latency: LatencySummary;
  expected: number;
  received: number;
  missing: number;
  errors: number;
  errorKinds: Record<string, number>;
  serverCpuPercent: number;
  cpuPerKeystrokeUs: number;
  serverRssMiB: number;
  serverPeakRssMiB: number;
  messagesInPerSecond: number;
  updatesInPerSecond: number;
  messagesOutPerSecond: number;
  updatesOutPerSecond: number;
  echoesPerSecond: number;
  generatorCpuPercent: number;
  /** CPU time the hypervisor took (steal), in % of one core, both cores together. */
  stealPercent: number;
  /** CPU used by processes not part of the benchmark (other work on the machine), % of one core. */
  otherCpuPercent: number;
  /** Duet's CPU by thread over the window, in % of one core. */
  threads?: ThreadSplit;
  /** Duet's update-log group commits during the window, from its /metrics. */
  commits?: CommitFigures;
  sendLagP99: number;
  probe: LatencySummary;
  opens: number;
  openTime: LatencySummary;
  pass: boolean;
  /** The first window of this step failed; these are the figures of a second one. */
  retried?: boolean;
  generatorBound: boolean;
}

let windowCounter = 0;

/** Duet's counters that explain where its time goes. */
interface DuetMetrics {
  commitCount: number;
  commitSeconds: number;
  commitUpdates: number;
  commitMainThreadSeconds: number;
}

/** Group commits of Duet's update log over a window. */
interface CommitFigures {
  perSecond: number;
  updatesPerCommit: number;
  meanMs: number;
  /** Of each commit, the mean time on Duet's event loop (the rest is in the database worker). */
  mainThreadMs: number;
  /** Share of the window spent inside commits (wall time). */
  busyPercent: number;
}

async function scrapeDuetMetrics(server: RunningServer): Promise<DuetMetrics | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const text = await response.text();
    if (!response.ok) return undefined;
    const value = (name: string) =>
      Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m"))?.[1] ?? NaN);
    return {
      commitCount: value("duet_commit_seconds_count"),
      commitSeconds: value("duet_commit_seconds_sum"),
      commitUpdates: value("duet_commit_batch_updates_sum"),
      commitMainThreadSeconds: value("duet_commit_main_thread_seconds_sum"),
    };
  } catch {
    return undefined;
  }
}

function commitFigures(
  before: DuetMetrics,
  after: DuetMetrics,
  wall: number,
): CommitFigures | undefined {
  const count = after.commitCount - before.commitCount;
  if (!Number.isFinite(count)) return undefined;
  const seconds = after.commitSeconds - before.commitSeconds;
  return {
    perSecond: count / wall,
    updatesPerCommit: count ? (after.commitUpdates - before.commitUpdates) / count : NaN,
    meanMs: count ? (seconds / count) * 1000 : NaN,
    mainThreadMs: count
      ? ((after.commitMainThreadSeconds - before.commitMainThreadSeconds) / count) * 1000
      : NaN,
    busyPercent: (seconds / wall) * 100,
  };
}

/** Runs one step: warms up, measures a window, and gathers every figure. */
export async function measureWindow(
  server: RunningServer,
  generators: GeneratorProcess[],
  probe: Probe | undefined,
  seconds: number,
  drainMs: number,
  shape: { rooms: number; perRoom: number; typists: number },
): Promise<StepResult> {
  const id = ++windowCounter;
  for (const g of generators) g.send({ cmd: "window", id });
  probe?.mark(id);
  const t0 = performance.now();
  const serverCpu0 = cpuSeconds(server.pid);
  const steal0 = stealSeconds();
  const table0 = allProcessesCpu();
  const metrics0 = server.kind === "duet" ? await scrapeDuetMetrics(server) : undefined;
  const threads0 = server.kind === "duet" ? threadCpuSeconds(server.pid) : undefined;
  const genCpu0 = generators.reduce((sum, g) => sum + cpuSeconds(g.pid), 0);
  let rssPeak = memory(server.pid).rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, memory(server.pid).rss || 0);
  }, 200);
  await sleep(seconds * 1000);
  for (const g of generators) g.send({ cmd: "window", id: null });
  probe?.mark(null);
  const wall = (performance.now() - t0) / 1000;
  const serverCpu = cpuSeconds(server.pid) - serverCpu0;
  const steal = stealSeconds() - steal0;
  const ours = new Set([server.pid, Deno.pid, ...generators.map((g) => g.pid)]);
  const other = otherCpuSeconds(table0, allProcessesCpu(), ours);
  const threads1 = threads0 ? threadCpuSeconds(server.pid) : undefined;
  const metrics1 = metrics0 ? await scrapeDuetMetrics(server) : undefined;
  const genCpu = generators.reduce((sum, g) => sum + cpuSeconds(g.pid), 0) - genCpu0;
  clearInterval(sampler);
  await sleep(drainMs);
  const reports = await Promise.all(generators.map((g) => {
    g.send({ cmd: "report", id });
    return g.next<WindowReport>("report");
  }));
  if (Deno.env.get("BENCH_DEBUG")) {
    for (const r of reports) {
      console.error(
        `timeline latency ${r.timeline.latency.join(" ")}\ntimeline sendLag ${
          r.timeline.sendLag.join(" ")
        }`,
      );
    }
  }
  const latency = new Histogram();
  const sendLag = new Histogram();
  const openTime = new Histogram();
  const sum = (f: (r: WindowReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const errorKinds: Record<string, number> = {};
  for (const report of reports) {
    latency.merge(report.latency);
    sendLag.merge(report.sendLag);
    openTime.merge(report.openTime as HistogramJson);
    for (const [kind, n] of Object.entries(report.errorKinds)) {
      errorKinds[kind] = (errorKinds[kind] ?? 0) + n;
    }
  }
  const keystrokes = sum((r) => r.keystrokes);
  const expected = sum((r) => r.expected);
  const received = sum((r) => r.received);
  const errors = sum((r) => r.errors);
  const summary = latency.summary();
  const generatorCpuPercent = (genCpu / wall) * 100;
  const mem = memory(server.pid);
  return {
    server: server.kind,
    ...shape,
    seconds: wall,
    keystrokes,
    latency: summary,
    expected,
    received,
    missing: expected - received,
    errors,
    errorKinds,
    serverCpuPercent: (serverCpu / wall) * 100,
    threads: threads0 && threads1 ? threadSplit(threads0, threads1, wall) : undefined,
    cpuPerKeystrokeUs: keystrokes ? (serverCpu / keystrokes) * 1e6 : NaN,
    serverRssMiB: rssPeak / 2 ** 20,
    serverPeakRssMiB: mem.peak / 2 ** 20,
    messagesInPerSecond: sum((r) => r.messagesOut) / wall,
    updatesInPerSecond: sum((r) => r.updatesOut) / wall,
    messagesOutPerSecond: sum((r) => r.messagesIn) / wall,
    updatesOutPerSecond: sum((r) => r.updatesIn) / wall,
    echoesPerSecond: sum((r) => r.echoesIn) / wall,
    generatorCpuPercent,
    stealPercent: (steal / wall) * 100,
    otherCpuPercent: (other / wall) * 100,
    commits: metrics0 && metrics1 ? commitFigures(metrics0, metrics1, wall) : undefined,
    sendLagP99: sendLag.quantile(0.99),
    probe: probe ? probe.summary(id) : new Histogram().summary(),
    opens: sum((r) => r.opens),
    openTime: openTime.summary(),
    pass: errors === 0 && expected - received === 0 && summary.p99 < P99_LIMIT_MS,
    // A generator near a full core delays its own sends and reads: figures then
    // describe the generator as much as the server.
    generatorBound: generatorCpuPercent > 85,
  };
}

/** Rooms and how many of their people type. */
export function roomPlans(names: string[], typists: number): RoomPlan[] {
  return names.map((name) => ({ name, typists }));
}

/** Waits until every generator has connected its clients, or throws. */
export async function readyOrThrow(
  generator: GeneratorProcess,
  what: string,
): Promise<Record<string, unknown>> {
  const ready = await generator.next("ready", 180_000);
  if (Number(ready.failed) > 0) {
    log(
      `${what}: ${ready.failed} of ${ready.clients} clients failed to sync ${
        JSON.stringify(ready.errorKinds)
      }`,
    );
  }
  return ready;
}

interface ThreadSplit {
  mainPercent: number;
  databasePercent: number;
  otherPercent: number;
}

function threadSplit(
  before: Map<string, number>,
  after: Map<string, number>,
  wall: number,
): ThreadSplit {
  const split = { mainPercent: 0, databasePercent: 0, otherPercent: 0 };
  for (const [name, seconds] of after) {
    const percent = ((seconds - (before.get(name) ?? 0)) / wall) * 100;
    // Deno names the main thread after the executable; Web Workers worker-<n>
    // (Duet starts one, for the embedded database).
    if (name === "deno") split.mainPercent += percent;
    else if (name.startsWith("worker-")) split.databasePercent += percent;
    else split.otherPercent += percent;
  }
  return split;
}
