/**
 * This person's runs: starts the code in the sandbox, shows the output at
 * once and sends it to the room in batches (under the socket's message rate),
 * as run messages the server checks and relays. Loaded on the first Run.
 *
 * @module
 */
import {
  isRunnableLanguage,
  type OutputItem,
  RUN_TIME_LIMIT_MS,
  type RunStatus,
} from "../../../lib/shared/run_output.ts";
import type { LanguageId } from "../../../lib/shared/languages.ts";
import type { RoomConnection } from "../room_connection.ts";
import { type ClientRunEvent, encodeRunMessage } from "../../../lib/shared/run_wire.ts";
import { RunFeed, type RunRecord } from "./run_feed.ts";
import { drawRuns, formatDuration } from "./run_view.ts";
import { Sandbox } from "./sandbox_host.ts";

/** Output waits at most this long before it is sent to the room. */
const SEND_EVERY_MS = 100;
/** A batch is sent early once it holds this many bytes of text. */
const SEND_AT_BYTES = 64 * 1024;

/** Options for {@linkcode RunController}. */
export interface RunControllerOptions {
  /** The room's socket, which run messages travel on. */
  connection: Pick<RoomConnection, "send" | "provider">;
  /** The list the runs are drawn into (oldest first). */
  list: HTMLElement;
  /** Where the running time is shown while this person's run goes. */
  timer: HTMLElement;
  /** Where the (hidden) sandbox frame goes. */
  container: HTMLElement;
  /** Whether a run of ours is going, and since when (ms, `Date.now()`). */
  onRunning: (startedAt: number | null) => void;
}

/** Runs this person's code and shares the output. */
export class RunController {
  readonly #options: RunControllerOptions;
  readonly #sandbox: Sandbox;
  readonly #feed: RunFeed;
  #drawn?: ReturnType<typeof drawRuns>;
  #timerInterval?: ReturnType<typeof setInterval>;
  #outbox: ClientRunEvent[] = [];
  #pendingItems: OutputItem[] = [];
  #pendingBytes = 0;
  #currentRun: string | null = null;
  #sendTimer?: ReturnType<typeof setTimeout>;

  constructor(options: RunControllerOptions) {
    this.#options = options;
    this.#sandbox = new Sandbox(options.container);
    this.#feed = new RunFeed((runs: RunRecord[]) => {
      this.#drawn = drawRuns(options.list, runs, this.#drawn);
    });
    options.connection.provider.on("status", this.#onStatus);
  }

  /** Shows a run message from the server. */
  receive(body: Uint8Array): void {
    this.#feed.receive(body);
  }

  /** Runs `code`, named as run by `by`; a language that cannot run is ignored. */
  start(language: LanguageId, code: string, by: string): void {
    if (!isRunnableLanguage(language)) {
      this.#options.onRunning(null);
      return;
    }
    const run = `own-${crypto.randomUUID().slice(0, 8)}`;
    const startedAt = Date.now();
    this.#flushOutput();
    this.#currentRun = run;
    this.#feed.add({
      id: run,
      language,
      by,
      startedAt,
      status: "running",
      truncated: false,
      items: [],
    });
    this.#queue({ t: "start", run, language });
    this.#options.onRunning(startedAt);
    this.#showTime(startedAt);
    this.#sandbox.run({
      language,
      code,
      onOutput: (items, truncated) => {
        this.#feed.output(run, items, truncated);
        this.#addOutput(run, items);
      },
      onEnd: (status: RunStatus, truncated) => {
        this.#feed.end(run, status, Date.now() - startedAt, truncated);
        this.#flushOutput();
        if (status !== "disconnected") this.#queue({ t: "end", run, status });
        if (this.#currentRun === run) {
          this.#currentRun = null;
          this.#showTime(null);
          this.#options.onRunning(null);
        }
      },
    }).catch((error: unknown) => console.error("The run failed to start", error));
  }

  /** Stops the current run. */
  stop(): void {
    this.#sandbox.stop();
  }

  // Sends what waited while the socket was down.
  #onStatus = (event: { status: string }): void => {
    if (event.status === "connected") this.#sendQueued();
  };

  /** Ends any run and removes the sandbox. */
  destroy(): void {
    this.#showTime(null);
    this.#options.connection.provider.off("status", this.#onStatus);
    clearTimeout(this.#sendTimer);
    this.#sandbox.destroy();
  }

  /** The running time against the limit, every 100 ms, while a run goes. */
  #showTime(since: number | null): void {
    clearInterval(this.#timerInterval);
    const { timer } = this.#options;
    const show = () =>
      timer.textContent = `${formatDuration(Math.max(0, Date.now() - since!))} of ${
        RUN_TIME_LIMIT_MS / 1000
      } s`;
    if (since === null) {
      timer.textContent = "";
      return;
    }
    show();
    this.#timerInterval = setInterval(show, 100);
  }

  #addOutput(run: string, items: OutputItem[]): void {
    if (run !== this.#currentRun) return;
    for (const item of items) {
      this.#pendingItems.push(item);
      this.#pendingBytes += item.s === "table" ? JSON.stringify(item).length : item.text.length;
    }
    if (this.#pendingBytes >= SEND_AT_BYTES) this.#flushOutput();
    else this.#sendTimer ??= setTimeout(() => this.#flushOutput(), SEND_EVERY_MS);
  }

  #flushOutput(): void {
    clearTimeout(this.#sendTimer);
    this.#sendTimer = undefined;
    if (this.#pendingItems.length > 0 && this.#currentRun !== null) {
      this.#outbox.push({ t: "output", run: this.#currentRun, items: this.#pendingItems });
    }
    this.#pendingItems = [];
    this.#pendingBytes = 0;
    this.#sendQueued();
  }

  #queue(event: ClientRunEvent): void {
    this.#outbox.push(event);
    this.#sendQueued();
  }

  // While the socket is down, events wait (the run's own output limit bounds
  // them); the server ignores output of a run it already ended.
  #sendQueued(): void {
    while (this.#outbox.length > 0) {
      if (!this.#options.connection.send(encodeRunMessage(this.#outbox[0]))) return;
      this.#outbox.shift();
    }
  }
}
