/**
 * The room page's side of the sandbox: the `sandbox="allow-scripts"` frame of
 * `/run/frame`, the time limit, Stop, and a check of everything the frame
 * says. The program runs in a worker inside that frame; see
 * docs/architecture.md, "Running code".
 *
 * @module
 */
import { z } from "zod";
import {
  OutputBudget,
  type OutputItem,
  RUN_TIME_LIMIT_MS,
  type RunnableLanguage,
  type RunStatus,
  SQL_START_ALLOWANCE_MS,
} from "../../../lib/shared/run_output.ts";
import { OutputItemSchema } from "../../../lib/shared/run_wire.ts";

/** How long the frame has to answer a stop before it is torn down. */
const STOP_GRACE_MS = 2_000;
/** How long the frame may take to load. */
const READY_TIMEOUT_MS = 20_000;

const FrameMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    sqlAssets: z.array(z.string().regex(/^\/build\/[\w.-]+$/)),
  }),
  z.object({ type: z.literal("output"), run: z.number(), items: z.array(OutputItemSchema) }),
  z.object({
    type: z.literal("end"),
    run: z.number(),
    status: z.enum(["ok", "error", "timeout", "stopped", "crashed"]),
    truncated: z.boolean(),
  }),
]);

/** What {@linkcode Sandbox.run} reports. */
export interface SandboxRunOptions {
  language: RunnableLanguage;
  code: string;
  onOutput: (items: OutputItem[], truncated: boolean) => void;
  onEnd: (status: RunStatus, truncated: boolean) => void;
  /** Default {@linkcode RUN_TIME_LIMIT_MS}. */
  timeLimitMs?: number;
}

interface CurrentRun {
  id: number;
  options: SandboxRunOptions;
  budget: OutputBudget;
  limitTimer?: ReturnType<typeof setTimeout>;
  graceTimer?: ReturnType<typeof setTimeout>;
  ended: boolean;
}

/** The sandbox frame of one room page; one run at a time. */
export class Sandbox {
  readonly #container: HTMLElement;
  readonly #frameUrl: string;
  #frame: HTMLIFrameElement | null = null;
  #ready: Promise<Window> | null = null;
  #run: CurrentRun | null = null;
  #runs = 0;
  /** Paths of PGlite's binaries, as the frame said. */
  #sqlPaths: string[] = [];
  #sqlAssets:
    | Promise<{ pgliteWasm: ArrayBuffer; initdbWasm: ArrayBuffer; pgliteData: ArrayBuffer }>
    | null = null;

  constructor(container: HTMLElement, frameUrl = "/run/frame") {
    this.#container = container;
    this.#frameUrl = frameUrl;
    addEventListener("message", this.#onMessage);
  }

  /** Runs code; a run still going is stopped first. */
  async run(options: SandboxRunOptions): Promise<void> {
    if (this.#run) {
      // The frame ends the old worker when it starts the new one.
      this.#end(this.#run, "stopped");
    }
    const run: CurrentRun = { id: ++this.#runs, options, budget: new OutputBudget(), ended: false };
    this.#run = run;
    let target: Window;
    let sqlAssets;
    try {
      target = await this.#load();
      // The sandbox may not fetch: the page fetches PGlite (same origin,
      // cached for good under content-hashed names) and hands it over.
      if (options.language === "sql") sqlAssets = await this.#loadSql();
    } catch (error) {
      this.#end(run, "crashed", `The runner could not start: ${String(error)}`);
      return;
    }
    if (run.ended) return;
    run.limitTimer = setTimeout(
      () => this.stop("timeout"),
      (options.timeLimitMs ?? RUN_TIME_LIMIT_MS) +
        (options.language === "sql" ? SQL_START_ALLOWANCE_MS : 0),
    );
    // The frame's origin is opaque, so it cannot be named as the target.
    target.postMessage(
      { type: "run", run: run.id, language: options.language, code: options.code, sqlAssets },
      "*",
    );
  }

  /** Stops the current run (the worker is terminated, however busy). */
  stop(status: "stopped" | "timeout" = "stopped"): void {
    const run = this.#run;
    if (!run || run.ended) return;
    clearTimeout(run.limitTimer);
    this.#frame?.contentWindow?.postMessage({ type: "stop", run: run.id, status }, "*");
    // A frame that does not answer is gone or stuck: remove it, which ends
    // its worker too; the next run loads a new one.
    run.graceTimer ??= setTimeout(() => {
      this.#removeFrame();
      this.#end(run, status === "timeout" ? "timeout" : "crashed");
    }, STOP_GRACE_MS);
  }

  /** Stops any run and removes the frame. */
  destroy(): void {
    removeEventListener("message", this.#onMessage);
    if (this.#run) this.#end(this.#run, "stopped");
    this.#removeFrame();
  }

  #loadSql(): Promise<
    { pgliteWasm: ArrayBuffer; initdbWasm: ArrayBuffer; pgliteData: ArrayBuffer }
  > {
    this.#sqlAssets ??= (async () => {
      const [pgliteWasm, initdbWasm, pgliteData] = await Promise.all(
        this.#sqlPaths.map(async (path) => {
          const response = await fetch(path);
          if (!response.ok) throw new Error(`${path}: ${response.status}`);
          return await response.arrayBuffer();
        }),
      );
      if (!pgliteWasm || !initdbWasm || !pgliteData) {
        throw new Error("the database engine is missing");
      }
      return { pgliteWasm, initdbWasm, pgliteData };
    })();
    // A failed load is tried again on the next run.
    this.#sqlAssets.catch(() => this.#sqlAssets = null);
    return this.#sqlAssets;
  }

  #load(): Promise<Window> {
    if (this.#ready) return this.#ready;
    const frame = document.createElement("iframe");
    // No allow-same-origin: the frame's origin is opaque.
    frame.setAttribute("sandbox", "allow-scripts");
    frame.title = "Code runner (sandbox)";
    frame.className = "duet-run__frame";
    frame.hidden = true;
    frame.src = this.#frameUrl;
    this.#frame = frame;
    this.#ready = new Promise<Window>((resolve, reject) => {
      const timer = setTimeout(() => {
        frame.removeEventListener("duet-ready", onReady);
        reject(new Error("the sandbox did not load"));
      }, READY_TIMEOUT_MS);
      const onReady = () => {
        clearTimeout(timer);
        if (frame.contentWindow) resolve(frame.contentWindow);
        else reject(new Error("the sandbox frame is gone"));
      };
      frame.addEventListener("duet-ready", onReady, { once: true });
    });
    // A failed load must not be reused.
    this.#ready.catch(() => this.#removeFrame());
    this.#container.append(frame);
    return this.#ready;
  }

  #removeFrame(): void {
    this.#frame?.remove();
    this.#frame = null;
    this.#ready = null;
  }

  #onMessage = (event: MessageEvent): void => {
    const frame = this.#frame;
    // Only our frame's window, whose origin is opaque.
    if (!frame || event.source !== frame.contentWindow || event.origin !== "null") return;
    const parsed = FrameMessageSchema.safeParse(event.data);
    if (!parsed.success) {
      console.warn("Ignored an invalid message from the sandbox", parsed.error);
      return;
    }
    const message = parsed.data;
    if (message.type === "ready") {
      this.#sqlPaths = message.sqlAssets;
      frame.dispatchEvent(new Event("duet-ready"));
      return;
    }
    const run = this.#run;
    if (!run || run.ended || run.id !== message.run) return;
    if (message.type === "output") {
      const kept = message.items.map((item) => run.budget.admit(item)).filter((item) =>
        item !== null
      );
      if (kept.length > 0 || run.budget.truncated) {
        run.options.onOutput(kept, run.budget.truncated);
      }
    } else {
      this.#end(run, message.status, undefined, message.truncated);
    }
  };

  #end(run: CurrentRun, status: RunStatus, note?: string, truncated = false): void {
    if (run.ended) return;
    run.ended = true;
    clearTimeout(run.limitTimer);
    clearTimeout(run.graceTimer);
    if (this.#run === run) this.#run = null;
    if (note) run.options.onOutput([{ s: "info", text: note }], run.budget.truncated);
    run.options.onEnd(status, truncated || run.budget.truncated);
  }
}
