/**
 * The sandbox's worker: runs one program, reports what it prints. It lives
 * in a dedicated worker of an opaque-origin frame whose Content-Security-Policy
 * (inherited, since the worker is started from a `blob:` URL) forbids every
 * network connection; see docs/architecture.md, "Running code".
 *
 * A program is the body of an async function, so top-level `await` works and
 * a top-level `return` value is shown. The run is over when that function
 * has settled and no timer it set is still pending.
 *
 * @module
 */
/// <reference lib="webworker" />
import type { OutputItem, TextStream } from "../../lib/shared/run_output.ts";
import { describeError, formatValue, formatValues } from "./format_value.ts";
import type { FrameToWorker, WorkerToFrame } from "./run_messages.ts";

const scope = globalThis as unknown as DedicatedWorkerGlobalScope;
const post = scope.postMessage.bind(scope);
const FILE = "main.js";

function send(message: WorkerToFrame): void {
  post(message);
}

function emit(s: TextStream, text: string): void {
  const item: OutputItem = { s, text };
  send({ type: "output", item });
}

// How many lines the async function's wrapper puts before the code: measured,
// not assumed, since it is V8's choice.
const LINE_OFFSET = (() => {
  try {
    new Function(`throw new Error()\n//# sourceURL=${FILE}`)();
  } catch (error) {
    const line = lineOf(error, 0);
    if (line !== undefined) return line - 1;
  }
  return 2;
})();

/** The line in the program where `error` was thrown, if its stack says. */
function lineOf(error: unknown, offset: number = LINE_OFFSET): number | undefined {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const match = stack.match(new RegExp(`${FILE.replace(".", "\\.")}:(\\d+):(\\d+)`));
  return match ? Number(match[1]) - offset : undefined;
}

function reportError(error: unknown, prefix = "Uncaught"): void {
  const line = lineOf(error);
  const text = `${prefix} ${describeError(error)}${line !== undefined ? ` (line ${line})` : ""}`;
  emit("err", text);
}

for (
  const [method, stream] of [
    ["log", "out"],
    ["info", "out"],
    ["debug", "out"],
    ["warn", "err"],
    ["error", "err"],
  ] as const
) {
  console[method] = (...values: unknown[]) => emit(stream, formatValues(values));
}
console.table = (data: unknown) => emit("out", formatValue(data));

// Pending timers keep a run going, as in any JavaScript runtime.
const timers = new Set<number>();
let settled = false;
let failed = false;
let finished = false;
const nativeSetTimeout = scope.setTimeout.bind(scope);
const nativeClearTimeout = scope.clearTimeout.bind(scope);
const nativeSetInterval = scope.setInterval.bind(scope);
const nativeClearInterval = scope.clearInterval.bind(scope);

function finishIfIdle(): void {
  if (!settled || finished || timers.size > 0) return;
  finished = true;
  send({ type: "done", status: failed ? "error" : "ok" });
}

Object.assign(scope, {
  setTimeout(handler: TimerHandler, delay?: number, ...args: unknown[]): number {
    const id: number = nativeSetTimeout(() => {
      timers.delete(id);
      try {
        if (typeof handler === "function") handler(...args);
      } finally {
        // Let whatever the callback queued run first.
        nativeSetTimeout(finishIfIdle, 0);
      }
    }, delay);
    timers.add(id);
    return id;
  },
  clearTimeout(id?: number): void {
    if (id === undefined) return;
    timers.delete(id);
    nativeClearTimeout(id);
    nativeSetTimeout(finishIfIdle, 0);
  },
  setInterval(handler: TimerHandler, delay?: number, ...args: unknown[]): number {
    const id: number = nativeSetInterval(() => {
      if (typeof handler === "function") handler(...args);
    }, delay);
    timers.add(id);
    return id;
  },
  clearInterval(id?: number): void {
    if (id === undefined) return;
    timers.delete(id);
    nativeClearInterval(id);
    nativeSetTimeout(finishIfIdle, 0);
  },
});

scope.addEventListener("error", (event) => {
  event.preventDefault();
  failed = true;
  reportError(event.error ?? new Error(event.message));
});
scope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  failed = true;
  reportError(event.reason, "Uncaught (in promise)");
});
// What the Content-Security-Policy refuses (a fetch, a socket…) is said in
// the output, besides whatever error the program itself gets.
scope.addEventListener("securitypolicyviolation", (violation: Event) => {
  const event = violation as SecurityPolicyViolationEvent;
  emit(
    "err",
    `Blocked by the sandbox: ${event.effectiveDirective} ${
      event.blockedURI || "(inline)"
    } (code that runs here has no network access)`,
  );
});

const AsyncFunction = (async () => {}).constructor as new (body: string) => () => Promise<unknown>;

scope.onmessage = async (event: MessageEvent<FrameToWorker>) => {
  scope.onmessage = null;
  const { language, code, typescriptUrl } = event.data;
  if (language === "sql") {
    await runSql(event.data);
    return;
  }
  let source = code;
  if (language === "typescript") {
    try {
      scope.importScripts(typescriptUrl);
      const strip = (globalThis as { duetStripTypes?: (code: string) => string }).duetStripTypes;
      if (!strip) throw new Error("The TypeScript step did not load");
      source = strip(code);
    } catch (error) {
      emit("err", `TypeScript: ${error instanceof Error ? error.message : String(error)}`);
      send({ type: "done", status: "error" });
      return;
    }
  }
  let program: () => Promise<unknown>;
  try {
    program = new AsyncFunction(`${source}\n//# sourceURL=${FILE}`);
  } catch (error) {
    emit("err", describeError(error));
    send({ type: "done", status: "error" });
    return;
  }
  try {
    const value = await program();
    if (value !== undefined) emit("info", `← ${formatValue(value)}`);
  } catch (error) {
    failed = true;
    reportError(error);
  }
  settled = true;
  finishIfIdle();
};

interface PGliteLike {
  exec(
    query: string,
    options: { rowMode: "array" },
  ): Promise<{ fields: { name: string }[]; rows: unknown[][]; affectedRows?: number }[]>;
}

/** The 1-based line of a 1-based character position in `code`. */
function lineAt(code: string, position: number): number {
  return code.slice(0, Math.max(0, position - 1)).split("\n").length;
}

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    return `\\x${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Runs SQL against a fresh in-memory PGlite; each statement's result is a table. */
async function runSql(work: FrameToWorker): Promise<void> {
  const { sqlAssets, sqlUrl, code } = work;
  try {
    if (!sqlAssets) throw new Error("The database engine was not loaded");
    scope.importScripts(sqlUrl);
    const PGlite = (globalThis as {
      duetPGlite?: { create(options: Record<string, unknown>): Promise<PGliteLike> };
    }).duetPGlite;
    if (!PGlite) throw new Error("The database engine did not load");
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
      WebAssembly.compile(sqlAssets.pgliteWasm),
      WebAssembly.compile(sqlAssets.initdbWasm),
    ]);
    const db = await PGlite.create({
      pgliteWasmModule,
      initdbWasmModule,
      fsBundle: new Blob([sqlAssets.pgliteData]),
    });
    try {
      const results = await db.exec(code, { rowMode: "array" });
      for (const result of results) {
        if (result.fields.length > 0) {
          send({
            type: "output",
            item: {
              s: "table",
              columns: result.fields.map((field) => field.name),
              rows: result.rows.map((row) => row.map(cellText)),
            },
          });
        } else {
          emit("info", `OK${result.affectedRows ? `, ${result.affectedRows} rows` : ""}`);
        }
      }
      send({ type: "done", status: "ok" });
    } catch (error) {
      const position = Number((error as { position?: string }).position);
      const where = Number.isFinite(position) && position > 0
        ? ` (line ${lineAt(code, position)})`
        : "";
      emit("err", `ERROR: ${error instanceof Error ? error.message : String(error)}${where}`);
      send({ type: "done", status: "error" });
    }
  } catch (error) {
    emit("err", `The database could not start: ${describeError(error)}`);
    send({ type: "done", status: "error" });
  }
}
