/**
 * The messages between the page, the sandbox frame and its worker. The frame
 * checks what the worker sends, and the page what the frame sends: neither
 * trusts the code it runs.
 *
 * @module
 */
import type { OutputItem, RunnableLanguage, RunStatus } from "../../lib/shared/run_output.ts";

/** Page → frame: run this code (a new worker each time), or stop the run. */
export type HostToFrame =
  | {
    type: "run";
    run: number;
    language: RunnableLanguage;
    code: string;
    /** For SQL: PGlite's binaries, which the page fetched (the sandbox may not). */
    sqlAssets?: SqlAssets;
  }
  | { type: "stop"; run: number; status: "stopped" | "timeout" };

/** PGlite's binaries: its WebAssembly, initdb's, and its file system bundle. */
export interface SqlAssets {
  pgliteWasm: ArrayBuffer;
  initdbWasm: ArrayBuffer;
  pgliteData: ArrayBuffer;
}

/** Frame → page. `sqlAssets`: the paths of PGlite's binaries for the page to fetch. */
export type FrameToHost =
  | { type: "ready"; sqlAssets: string[] }
  | { type: "output"; run: number; items: OutputItem[] }
  | { type: "end"; run: number; status: RunStatus; truncated: boolean };

/** Frame → worker: the one run this worker does. */
export interface FrameToWorker {
  type: "run";
  language: RunnableLanguage;
  code: string;
  /** Absolute URL of the TypeScript step (`strip_types.ts`, bundled). */
  typescriptUrl: string;
  /** Absolute URL of PGlite, bundled (`sql.ts`). */
  sqlUrl: string;
  sqlAssets?: SqlAssets;
}

/** Worker → frame. */
export type WorkerToFrame =
  | { type: "output"; item: OutputItem }
  | { type: "done"; status: "ok" | "error" };
