/**
 * The sandbox frame (`GET /run/frame`): an opaque-origin document that starts
 * one worker per run, holds its output to the limits and passes it to the
 * room page in batches. It never runs the program itself, so an endless loop
 * blocks only the worker, which `terminate()` ends.
 *
 * @module
 */
import { OutputBudget, type OutputItem, type RunStatus } from "../../lib/shared/run_output.ts";
import type { FrameToHost, FrameToWorker, HostToFrame, WorkerToFrame } from "./run_messages.ts";

const BATCH_MS = 50;
/** Messages the worker may send past the output limit before it is ended as a flood. */
const MAX_DROPPED_MESSAGES = 100_000;

const root = document.documentElement;
const workerUrl = new URL(root.dataset.worker ?? "", location.href).href;
const typescriptUrl = new URL(root.dataset.typescript ?? "", location.href).href;
const sqlUrl = new URL(root.dataset.sql ?? "", location.href).href;
// This document's origin is opaque ("null"); its URL's origin is the page's.
const pageOrigin = new URL(location.href).origin;

interface ActiveRun {
  /** The page's number for this run, echoed in every message about it. */
  id: number;
  worker: Worker;
  budget: OutputBudget;
  batch: OutputItem[];
  flushTimer?: ReturnType<typeof setTimeout>;
  dropped: number;
}

let active: ActiveRun | null = null;

function toPage(message: FrameToHost): void {
  parent.postMessage(message, pageOrigin);
}

function flush(run: ActiveRun): void {
  if (run.flushTimer !== undefined) clearTimeout(run.flushTimer);
  run.flushTimer = undefined;
  if (run.batch.length === 0) return;
  toPage({ type: "output", run: run.id, items: run.batch });
  run.batch = [];
}

function finish(run: ActiveRun, status: RunStatus): void {
  if (active !== run) return;
  active = null;
  run.worker.terminate();
  flush(run);
  toPage({ type: "end", run: run.id, status, truncated: run.budget.truncated });
}

function isOutputItem(value: unknown): value is OutputItem {
  if (typeof value !== "object" || value === null) return false;
  const item = value as Record<string, unknown>;
  if (item.s === "table") {
    return Array.isArray(item.columns) && Array.isArray(item.rows);
  }
  return ["out", "err", "info", "in"].includes(item.s as string) && typeof item.text === "string";
}

function onWorkerMessage(run: ActiveRun, data: WorkerToFrame): void {
  if (active !== run) return;
  if (data?.type === "output" && isOutputItem(data.item)) {
    const kept = run.budget.admit(data.item);
    if (kept === null) {
      if (++run.dropped > MAX_DROPPED_MESSAGES) {
        run.batch.push({ s: "info", text: "Stopped: the program kept printing past the limit" });
        finish(run, "stopped");
      }
      return;
    }
    run.batch.push(kept);
    run.flushTimer ??= setTimeout(() => flush(run), BATCH_MS);
  } else if (data?.type === "done" && (data.status === "ok" || data.status === "error")) {
    finish(run, data.status);
  }
}

function start(message: Extract<HostToFrame, { type: "run" }>): void {
  if (active) finish(active, "stopped");
  // A worker of an opaque-origin document can only start from a blob: or
  // data: URL; this one loads the bundled worker script and inherits this
  // document's Content-Security-Policy.
  const boot = URL.createObjectURL(
    new Blob([`importScripts(${JSON.stringify(workerUrl)});`], { type: "text/javascript" }),
  );
  const worker = new Worker(boot, { name: "duet-run" });
  const run: ActiveRun = {
    id: message.run,
    worker,
    budget: new OutputBudget(),
    batch: [],
    dropped: 0,
  };
  active = run;
  worker.onmessage = (event: MessageEvent<WorkerToFrame>) => {
    URL.revokeObjectURL(boot);
    onWorkerMessage(run, event.data);
  };
  worker.onerror = (event) => {
    // Errors the worker's own handlers did not take (it failed to start, say).
    event.preventDefault();
    run.batch.push({ s: "err", text: event.message || "The sandbox could not start the program" });
    finish(run, "error");
  };
  const work: FrameToWorker = {
    type: "run",
    language: message.language,
    code: message.code,
    typescriptUrl,
    sqlUrl,
    sqlAssets: message.sqlAssets,
  };
  worker.postMessage(work);
}

addEventListener("message", (event: MessageEvent<HostToFrame>) => {
  if (event.source !== parent || event.origin !== pageOrigin) return;
  const message = event.data;
  if (message?.type === "run" && typeof message.code === "string") start(message);
  else if (message?.type === "stop" && active?.id === message.run) {
    finish(active, message.status === "timeout" ? "timeout" : "stopped");
  }
});

toPage({ type: "ready", sqlAssets: (root.dataset.sqlAssets ?? "").split(" ") });
