/**
 * Headless typists for the sync benchmarks. One process opens the rooms it is
 * given, M clients each, over the y-websocket protocol (or Hocuspocus's framing
 * of it) and, once told to start, has every typist press a key on a fixed
 * schedule: `keysPerSecond` keys a second, a third of them backspaces, each
 * followed by an awareness update with the cursor, as the browser editor does.
 *
 * For every keystroke it measures the time from its *scheduled* moment (so a
 * late generator shows up as latency, not as a gap) to its arrival at each
 * other client of the room. Receivers do not apply updates: they read the
 * first item's ID (client, clock), which names the sender and, through the
 * sender's table, the keystroke. The first `verifyRooms` rooms also apply
 * every update to a real Y.Doc and check at the end that nothing was lost.
 *
 * It is driven by bench/run.ts over stdin (one JSON object a line: the config
 * first, then commands) and answers on stdout in the same way.
 */
import * as Y from "yjs";
import { Histogram, type HistogramJson } from "./_histogram.ts";
import {
  CODE_TEXT,
  type Decoded,
  decodeIncoming,
  encodeAwareness,
  encodeDelete,
  encodeEmptySyncStep2,
  encodeHocuspocusAuth,
  encodeInsert,
  encodeSyncStep1,
  framePrefix,
  Incoming,
  newDecoded,
  presenceJson,
  selfCheck,
  type ServerKind,
} from "./_wire.ts";
import { seededRandom } from "../testing/random.ts";

/** One room this process opens. */
export interface RoomPlan {
  name: string;
  /** Clients that type. */
  typists: number;
  /** Clients that only listen (and count deliveries). */
  listeners?: number;
}

/** What bench/run.ts sends first. */
export interface GeneratorConfig {
  kind: ServerKind;
  /** The WebSocket address a room name is appended to, e.g. `ws://127.0.0.1:8000/ws/`. */
  urlBase: string;
  rooms: RoomPlan[];
  /** First Yjs client ID this process uses; IDs must not repeat across processes. */
  clientIdBase: number;
  seed: number;
  keysPerSecond: number;
  /** Share of keystrokes that are backspaces (when there is something to delete). */
  deleteFraction: number;
  /** This many rooms (the first ones) also apply every update to a Y.Doc and check it. */
  verifyRooms: number;
  connectConcurrency: number;
  syncTimeoutMs: number;
  /** Rooms to fill with a document of `bytes` characters by a client that stays connected. */
  seedRooms?: { name: string; bytes: number }[];
  /**
   * Clients that open these rooms in turn at a fixed rate, whatever the
   * server's speed (join, wait for the whole document, leave).
   */
  openers?: { rooms: string[]; perSecond: number };
  /** Typists leave after this many keystrokes and come back as a new session after a pause. */
  churn?: { sessionKeystrokes: number; pauseMs: number };
  /** The process exits by itself after this long, whatever happens. */
  maxSeconds: number;
}

/** What the verifying receivers found when the generator stopped. */
export interface VerifyResult {
  rooms: number;
  /** Rooms whose text holds every typist's characters, in order. */
  ok: number;
  /** Rooms whose updates had not all arrived (an overloaded server); not checked. */
  incomplete: number;
  problems: string[];
}

/** Figures for one measurement window, as sent to bench/run.ts. */
export interface WindowReport {
  event: "report";
  id: number;
  keystrokes: number;
  /** Deliveries expected: keystrokes times the other clients of the room. */
  expected: number;
  received: number;
  latency: HistogramJson;
  /** Scheduled moment to actual send: the generator's own lateness. */
  sendLag: HistogramJson;
  messagesOut: number;
  updatesOut: number;
  awarenessOut: number;
  messagesIn: number;
  updatesIn: number;
  awarenessIn: number;
  /** Updates that came back to their own sender (servers that echo). */
  echoesIn: number;
  bytesIn: number;
  errors: number;
  errorKinds: Record<string, number>;
  opens: number;
  openTime: HistogramJson;
  sessions: number;
  /** Worst latency and worst send lag per 250 ms of the window (for spotting stalls). */
  timeline: { latency: number[]; sendLag: number[] };
}

interface WindowStats {
  keystrokes: number;
  expected: number;
  received: number;
  latency: Histogram;
  sendLag: Histogram;
  updatesOut: number;
  awarenessOut: number;
  updatesIn: number;
  awarenessIn: number;
  otherIn: number;
  echoesIn: number;
  bytesIn: number;
  errors: number;
  errorKinds: Record<string, number>;
  opens: number;
  openTime: Histogram;
  sessions: number;
  startedAt: number;
  timelineLatency: number[];
  timelineSendLag: number[];
}

function newWindow(): WindowStats {
  return {
    keystrokes: 0,
    expected: 0,
    received: 0,
    latency: new Histogram(),
    sendLag: new Histogram(),
    updatesOut: 0,
    awarenessOut: 0,
    updatesIn: 0,
    awarenessIn: 0,
    otherIn: 0,
    echoesIn: 0,
    bytesIn: 0,
    errors: 0,
    errorKinds: {},
    opens: 0,
    openTime: new Histogram(),
    sessions: 0,
    startedAt: performance.now(),
    timelineLatency: [],
    timelineSendLag: [],
  };
}

function recordPeak(series: number[], stats: WindowStats, at: number, value: number): void {
  const slot = Math.floor((at - stats.startedAt) / 250);
  if (slot >= 0 && slot < 400 && !(series[slot] >= value)) series[slot] = value;
}

const USE_TIMEOUT = Deno.env.get("BENCH_TICKER") === "timeout";
const COLORS = ["#30bced", "#6eeb83", "#ffbc42", "#ecd444", "#ee6352", "#9ac2c9", "#8acb88"];
const LETTERS = "abcdefghijklmnopqrstuvwxyz";

interface Room {
  plan: RoomPlan;
  prefix: Uint8Array;
  clients: Client[];
  verify: boolean;
}

/** One headless browser tab. */
class Client {
  readonly id: number;
  readonly room: Room;
  readonly typist: boolean;
  readonly name: string;
  readonly color: string;
  socket?: WebSocket;
  open = false;
  synced = false;
  closing = false;
  onSynced?: () => void;
  /** Offset of this typist's keystrokes within the period, ms. */
  phase = 0;
  seq = 0;
  /** Next insert's clock. */
  clock = 0;
  awarenessClock = 0;
  /** Clocks (and characters) of this client's characters still in the text, in order. */
  visible: number[] = [];
  visibleText: string[] = [];
  /** Per keystroke: its scheduled time and window. */
  scheduled: number[] = [];
  windowOf: number[] = [];
  /** Keystroke number by the clock of the character inserted or deleted. */
  insertSeq: number[] = [];
  deleteSeq: number[] = [];
  verifyDoc?: Y.Doc;
  initialText = "";
  echoSeen = false;
  /** Keystroke updates (others', and echoes of its own) a verifying client has applied. */
  updatesSeen = 0;
  /** Set by the churn loop: keystrokes left in this session. */
  sessionLeft = Infinity;

  constructor(id: number, room: Room, typist: boolean) {
    this.id = id;
    this.room = room;
    this.typist = typist;
    this.name = `Typist ${id % 100000}`;
    this.color = COLORS[id % COLORS.length];
  }
}

/** Calls `onTick` at the moments set with `wakeAt`, to the tenth of a millisecond. */
class Ticker {
  #shared = new SharedArrayBuffer(16);
  #flags = new Int32Array(this.#shared, 0, 2);
  #due = new Float64Array(this.#shared, 8, 1);
  #worker: Worker;

  constructor(onTick: () => void) {
    this.#due[0] = Infinity;
    this.#worker = new Worker(new URL("./_ticker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = onTick;
    this.#worker.postMessage(this.#shared);
  }

  /** Wakes at `time` (a `performance.now()` time) instead of any earlier request. */
  wakeAt(time: number): void {
    this.#due[0] = performance.timeOrigin + time;
    Atomics.add(this.#flags, 0, 1);
    Atomics.notify(this.#flags, 0);
  }

  stop(): void {
    Atomics.store(this.#flags, 1, 1);
    Atomics.notify(this.#flags, 0);
  }
}

class Generator {
  readonly config: GeneratorConfig;
  readonly rooms: Room[] = [];
  readonly senders = new Map<number, Client>();
  readonly typists: Client[] = [];
  readonly windows = new Map<number, WindowStats>();
  readonly prefixed: boolean;
  readonly decoded: Decoded = newDecoded();
  readonly rng: () => number;
  currentWindowId = -1;
  current: WindowStats = newWindow();
  nextClientId: number;
  typing = false;
  stopping = false;
  startAt = 0;
  period: number;
  seeders: Client[] = [];
  ticker?: Ticker;
  openerLoops: Promise<void>[] = [];
  churnLoops: Promise<void>[] = [];
  totalErrors = 0;
  totalErrorKinds: Record<string, number> = {};

  constructor(config: GeneratorConfig) {
    this.config = config;
    this.prefixed = config.kind === "hocuspocus";
    this.rng = seededRandom(config.seed);
    this.nextClientId = config.clientIdBase;
    this.period = 1000 / config.keysPerSecond;
    this.windows.set(-1, this.current);
    config.rooms.forEach((plan, index) => {
      const room: Room = {
        plan,
        prefix: framePrefix(config.kind, plan.name),
        clients: [],
        verify: index < config.verifyRooms,
      };
      for (let i = 0; i < plan.typists + (plan.listeners ?? 0); i++) {
        const client = new Client(this.nextClientId++, room, i < plan.typists);
        room.clients.push(client);
        if (client.typist) {
          this.senders.set(client.id, client);
          this.typists.push(client);
        }
      }
      this.rooms.push(room);
    });
  }

  error(kind: string): void {
    this.current.errors++;
    this.current.errorKinds[kind] = (this.current.errorKinds[kind] ?? 0) + 1;
    this.totalErrors++;
    this.totalErrorKinds[kind] = (this.totalErrorKinds[kind] ?? 0) + 1;
  }

  /** Opens the client's socket; resolves true once it is synced. */
  connect(client: Client): Promise<boolean> {
    const { room } = client;
    // One receiver per verified room keeps a Y.Doc: enough to check the
    // server's output, and cheap enough not to slow the generator.
    if (room.verify && room.clients[0] === client && !client.verifyDoc) {
      client.verifyDoc = new Y.Doc();
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        if (!client.synced) {
          this.error("sync_timeout");
          client.closing = true;
          client.socket?.close();
        }
        settle(false);
      }, this.config.syncTimeoutMs);
      client.onSynced = () => settle(true);
      let socket: WebSocket;
      try {
        socket = new WebSocket(this.config.urlBase + room.plan.name);
      } catch {
        this.error("connect_failed");
        settle(false);
        return;
      }
      client.socket = socket;
      socket.binaryType = "arraybuffer";
      socket.onopen = () => {
        client.open = true;
        if (this.prefixed) socket.send(encodeHocuspocusAuth(room.prefix));
        socket.send(encodeSyncStep1(room.prefix));
      };
      socket.onmessage = (event) => this.receive(client, event.data);
      socket.onerror = () => {};
      socket.onclose = (event) => {
        const wasOpen = client.open;
        client.open = false;
        if (!client.closing) {
          this.error(wasOpen ? `closed_${event.code}` : "connect_failed");
          settle(false);
        }
      };
    });
  }

  receive(client: Client, data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      this.error("text_message");
      return;
    }
    const now = performance.now();
    const message = new Uint8Array(data);
    const out = this.decoded;
    const window = this.current;
    window.bytesIn += message.length;
    try {
      decodeIncoming(message, this.prefixed, out);
    } catch {
      this.error("undecodable_message");
      return;
    }
    switch (out.kind) {
      case Incoming.insert:
      case Incoming.delete: {
        window.updatesIn++;
        const sender = this.senders.get(out.client);
        if (sender === client) {
          window.echoesIn++;
          client.echoSeen = true;
        } else if (sender) {
          const seq = out.kind === Incoming.insert
            ? sender.insertSeq[out.clock]
            : sender.deleteSeq[out.clock];
          if (seq !== undefined) {
            const stats = this.windows.get(sender.windowOf[seq]);
            if (stats) {
              const latency = now - sender.scheduled[seq];
              stats.latency.record(latency);
              stats.received++;
              recordPeak(stats.timelineLatency, stats, sender.scheduled[seq], latency);
            }
          }
        }
        if (client.verifyDoc) {
          this.applyToVerifyDoc(client, message, out);
          client.updatesSeen++;
        }
        break;
      }
      case Incoming.update:
        window.updatesIn++;
        if (client.verifyDoc) this.applyToVerifyDoc(client, message, out);
        break;
      case Incoming.awareness:
        window.awarenessIn++;
        break;
      case Incoming.syncStep1:
        window.otherIn++;
        // What we have the server has (our updates went to it), so the answer is empty.
        client.socket?.send(encodeEmptySyncStep2(client.room.prefix));
        break;
      case Incoming.syncStep2:
        window.otherIn++;
        if (client.verifyDoc && !client.synced) {
          this.applyToVerifyDoc(client, message, out);
          client.initialText = client.verifyDoc.getText(CODE_TEXT).toString();
        }
        if (!client.synced) {
          client.synced = true;
          client.onSynced?.();
        }
        break;
      case Incoming.close:
        window.otherIn++;
        this.error("server_closed_document");
        break;
      default:
        window.otherIn++;
    }
  }

  applyToVerifyDoc(client: Client, message: Uint8Array, out: Decoded): void {
    try {
      Y.applyUpdate(client.verifyDoc!, message.subarray(out.updateStart, out.updateEnd));
    } catch {
      this.error("verify_apply_failed");
    }
  }

  /** Connects clients with at most `connectConcurrency` handshakes in flight. */
  async connectAll(clients: Client[]): Promise<{ synced: number; failed: number }> {
    let next = 0;
    let synced = 0;
    let failed = 0;
    const worker = async () => {
      while (next < clients.length) {
        const client = clients[next++];
        if (await this.connect(client)) synced++;
        else failed++;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.config.connectConcurrency, clients.length) }, worker),
    );
    return { synced, failed };
  }

  /** Presses one key for `client`, scheduled at `scheduled` (performance.now() time). */
  keystroke(client: Client, scheduled: number): void {
    const socket = client.socket;
    if (!client.open || !socket || socket.readyState !== WebSocket.OPEN) {
      this.error("typist_disconnected");
      return;
    }
    const window = this.current;
    const seq = client.seq++;
    client.scheduled[seq] = scheduled;
    client.windowOf[seq] = this.currentWindowId;
    const prefix = client.room.prefix;
    let update: Uint8Array;
    let cursorClock: number;
    if (client.visible.length > 0 && this.rng() < this.config.deleteFraction) {
      const clock = client.visible.pop()!;
      client.visibleText.pop();
      client.deleteSeq[clock] = seq;
      update = encodeDelete(prefix, { client: client.id, clock });
      cursorClock = client.visible.length ? client.visible[client.visible.length - 1] : clock;
    } else {
      const clock = client.clock++;
      const letter = LETTERS[Math.floor(this.rng() * LETTERS.length)];
      client.insertSeq[clock] = seq;
      // Yjs puts the origin at the last item left of the cursor, skipping
      // deleted ones: that is always this typist's latest insert.
      const origin = clock > 0 ? { client: client.id, clock: clock - 1 } : null;
      update = encodeInsert(prefix, { client: client.id, clock }, origin, letter);
      client.visible.push(clock);
      client.visibleText.push(letter);
      cursorClock = clock;
    }
    const awareness = encodeAwareness(
      prefix,
      client.id,
      ++client.awarenessClock,
      presenceJson(client.name, client.color, { client: client.id, clock: cursorClock }),
    );
    const lag = performance.now() - scheduled;
    window.sendLag.record(lag);
    recordPeak(window.timelineSendLag, window, scheduled, lag);
    socket.send(update);
    socket.send(awareness);
    window.keystrokes++;
    window.updatesOut++;
    window.awarenessOut++;
    for (const other of client.room.clients) {
      if (other !== client && other.open && other.synced) window.expected++;
    }
    client.sessionLeft--;
  }

  /** Runs every typist's schedule from `startAt` until stopped. */
  runSchedule(): void {
    const typists = this.typists.filter((client) => client.synced);
    if (!typists.length) return;
    // Phases fall on whole milliseconds, so typists due in the same millisecond
    // share one wake-up of the ticker: at 1,000 typists about five keystrokes
    // a wake instead of one, which took a tenth off the generator's CPU.
    for (const client of typists) client.phase = Math.floor(this.rng() * this.period);
    typists.sort((a, b) => a.phase - b.phase);
    let index = 0;
    let round = 0;
    const tick = () => {
      if (!this.typing) {
        this.ticker?.stop();
        return;
      }
      const now = performance.now();
      while (true) {
        const client = typists[index];
        const due = this.startAt + round * this.period + client.phase;
        if (due > now) {
          if (USE_TIMEOUT) setTimeout(tick, Math.max(0, due - performance.now()));
          else this.ticker!.wakeAt(due);
          return;
        }
        if (client.open) this.keystroke(client, due);
        if (++index === typists.length) {
          index = 0;
          round++;
        }
      }
    };
    if (USE_TIMEOUT) {
      setTimeout(tick, Math.max(0, this.startAt - performance.now()));
      return;
    }
    this.ticker = new Ticker(tick);
    this.ticker.wakeAt(this.startAt);
  }

  /** One churning seat: join, type a session's keystrokes, leave, pause, again. */
  async churnLoop(seat: Client): Promise<void> {
    const churn = this.config.churn!;
    let client = seat;
    while (!this.stopping) {
      client.sessionLeft = churn.sessionKeystrokes;
      if (await this.connect(client)) {
        this.current.sessions++;
        // Type on this seat's own timer; churn runs are small.
        const started = performance.now();
        let k = 0;
        while (!this.stopping && client.sessionLeft > 0 && client.open) {
          const due = started + (++k) * this.period;
          await sleep(Math.max(0, due - performance.now()));
          if (this.typing && client.open && !this.stopping) this.keystroke(client, due);
        }
      }
      client.closing = true;
      client.socket?.close();
      await sleep(churn.pauseMs * (0.5 + this.rng()));
      // A page reload: a new Y.Doc, so a new client ID.
      const room = client.room;
      const fresh = new Client(this.nextClientId++, room, true);
      room.clients[room.clients.indexOf(client)] = fresh;
      this.senders.delete(client.id);
      this.senders.set(fresh.id, fresh);
      client = fresh;
    }
  }

  /** A client of room `name` that does not type on the schedule (a seeder, an opener). */
  visitor(name: string): Client {
    const room: Room = {
      plan: { name, typists: 0 },
      prefix: framePrefix(this.config.kind, name),
      clients: [],
      verify: false,
    };
    return new Client(this.nextClientId++, room, false);
  }

  /** Seeds big documents: one client inserts `bytes` characters and stays. */
  async seed(): Promise<void> {
    for (const { name, bytes } of this.config.seedRooms ?? []) {
      const client = this.visitor(name);
      if (!(await this.connect(client))) continue;
      client.socket!.send(
        encodeInsert(client.room.prefix, { client: client.id, clock: 0 }, null, codeLike(bytes)),
      );
      this.seeders.push(client);
    }
  }

  /** Opens rooms at a fixed rate until stopped, timing each join. */
  async openerLoop(): Promise<void> {
    const { rooms, perSecond } = this.config.openers!;
    const interval = 1000 / perSecond;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; !this.stopping; i++) {
      await sleep(Math.max(0, started + i * interval - performance.now()));
      if (this.stopping) break;
      pending.push(this.openOnce(rooms[i % rooms.length]));
    }
    await Promise.all(pending);
  }

  async openOnce(name: string): Promise<void> {
    const client = this.visitor(name);
    const window = this.current;
    const started = performance.now();
    if (await this.connect(client)) {
      window.opens++;
      window.openTime.record(performance.now() - started);
    }
    client.closing = true;
    client.socket?.close();
  }

  mark(id: number | null): void {
    const key = id ?? -1;
    let stats = this.windows.get(key);
    if (!stats) this.windows.set(key, stats = newWindow());
    stats.startedAt = performance.now();
    this.current = stats;
    this.currentWindowId = key;
  }

  report(id: number): WindowReport {
    const w = this.windows.get(id) ?? newWindow();
    return {
      event: "report",
      id,
      keystrokes: w.keystrokes,
      expected: w.expected,
      received: w.received,
      latency: w.latency.toJSON(),
      sendLag: w.sendLag.toJSON(),
      messagesOut: w.updatesOut + w.awarenessOut,
      updatesOut: w.updatesOut,
      awarenessOut: w.awarenessOut,
      messagesIn: w.updatesIn + w.awarenessIn + w.otherIn,
      updatesIn: w.updatesIn,
      awarenessIn: w.awarenessIn,
      echoesIn: w.echoesIn,
      bytesIn: w.bytesIn,
      errors: w.errors,
      errorKinds: w.errorKinds,
      opens: w.opens,
      openTime: w.openTime.toJSON(),
      sessions: w.sessions,
      timeline: {
        latency: Array.from(w.timelineLatency, (v) => Math.round(v ?? 0)),
        sendLag: Array.from(w.timelineSendLag, (v) => Math.round(v ?? 0)),
      },
    };
  }

  /** Keystroke updates a verifying client should have applied by now. */
  #expectedUpdates(client: Client): number {
    let expected = 0;
    for (const other of client.room.clients) {
      if (other.typist && (other !== client || client.echoSeen)) expected += other.seq;
    }
    return expected;
  }

  /**
   * Checks the verified rooms: each typist's text arrived whole and in order.
   * Waits (up to `waitMs`) for updates still in flight; a room whose updates
   * did not all arrive is reported as incomplete, not as wrong.
   */
  async verify(waitMs: number): Promise<VerifyResult> {
    const verifiers = this.rooms.filter((room) => room.verify)
      .map((room) => room.clients[0])
      .filter((client) => client?.verifyDoc && client.synced);
    const until = performance.now() + waitMs;
    while (
      performance.now() < until &&
      verifiers.some((client) => client.open && client.updatesSeen < this.#expectedUpdates(client))
    ) {
      await sleep(50);
    }
    const result: VerifyResult = { rooms: verifiers.length, ok: 0, incomplete: 0, problems: [] };
    for (const client of verifiers) {
      const name = client.room.plan.name;
      const expectedUpdates = this.#expectedUpdates(client);
      if (client.updatesSeen < expectedUpdates) {
        result.incomplete++;
        result.problems.push(
          `${name}: ${client.updatesSeen} of ${expectedUpdates} updates had arrived${
            client.open ? "" : " (connection lost)"
          }`,
        );
        continue;
      }
      const text = client.verifyDoc!.getText(CODE_TEXT).toString();
      let expectedLength = client.initialText.length;
      let roomOk = true;
      for (const other of client.room.clients) {
        if (!other.typist || (other === client && !client.echoSeen)) continue;
        const run = other.visibleText.join("");
        expectedLength += run.length;
        if (run && !text.includes(run)) {
          roomOk = false;
          result.problems.push(`${name}: the text lacks client ${other.id}'s typing`);
        }
      }
      if (text.length !== expectedLength) {
        roomOk = false;
        result.problems.push(`${name}: ${text.length} characters, expected ${expectedLength}`);
      }
      if (roomOk) result.ok++;
    }
    result.problems = result.problems.slice(0, 5);
    return result;
  }

  async run(commands: AsyncIterable<Record<string, unknown>>): Promise<void> {
    const started = performance.now();
    await this.seed();
    const clients = this.rooms.flatMap((room) => room.clients);
    const result = this.config.churn ? { synced: 0, failed: 0 } : await this.connectAll(clients);
    emit({
      event: "ready",
      clients: clients.length,
      synced: result.synced,
      failed: result.failed,
      connectMs: performance.now() - started,
      errorKinds: this.totalErrorKinds,
    });
    for await (const command of commands) {
      switch (command.cmd) {
        case "start":
          this.typing = true;
          this.startAt = performance.now() + Number(command.delayMs ?? 0);
          if (this.config.churn) {
            for (const room of this.rooms) {
              for (const client of room.clients) this.churnLoops.push(this.churnLoop(client));
            }
          } else {
            this.runSchedule();
          }
          if (this.config.openers) this.openerLoops.push(this.openerLoop());
          break;
        case "window":
          this.mark(command.id === null ? null : Number(command.id));
          break;
        case "report":
          emit(this.report(Number(command.id)));
          break;
        case "stop":
          await this.stop();
          return;
      }
    }
    // Stdin closed: the orchestrator is gone.
    await this.stop();
  }

  async stop(): Promise<void> {
    this.typing = false;
    this.stopping = true;
    this.ticker?.stop();
    const verify = await this.verify(5_000);
    for (const room of this.rooms) {
      for (const client of room.clients) {
        client.closing = true;
        client.socket?.close();
        client.verifyDoc?.destroy();
      }
    }
    for (const client of this.seeders) {
      client.closing = true;
      client.socket?.close();
    }
    emit({ event: "stopped", verify, errors: this.totalErrors, errorKinds: this.totalErrorKinds });
  }
}

/** Code-looking text of exactly `bytes` ASCII characters. */
export function codeLike(bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const line = `  const value${i} = compute(${i}, "item-${i % 97}") + offset; // step ${i}\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join("").slice(0, bytes);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function emit(event: unknown): void {
  console.log(JSON.stringify(event));
}

/** Reads stdin as JSON lines. */
async function* jsonLines(): AsyncGenerator<Record<string, unknown>> {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield JSON.parse(line);
    }
  }
}

if (import.meta.main) {
  selfCheck();
  const lines = jsonLines();
  const first = await lines.next();
  if (first.done) Deno.exit(2);
  const config = first.value as unknown as GeneratorConfig;
  // Bounded in time whatever the orchestrator does.
  setTimeout(() => {
    console.error("load generator: maxSeconds reached, exiting");
    Deno.exit(3);
  }, config.maxSeconds * 1000);
  const generator = new Generator(config);
  await generator.run({ [Symbol.asyncIterator]: () => lines });
  Deno.exit(0);
}
