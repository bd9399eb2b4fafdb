/**
 * What a run prints, and how much of it is kept: shared by the sandbox, the
 * page and the server, each of which holds a run to the same budget. Only
 * browser-safe imports: it is bundled into the sandbox as well.
 *
 * @module
 */
import type { LanguageId } from "./languages.ts";
import { utf8Length } from "./utf8.ts";

/**
 * The languages the Run button can run. (`isRunnable` in `languages.ts` says
 * the same for the room page, which does not load this module before Run; a
 * test holds the two together.)
 */
export const RUNNABLE_LANGUAGES = [
  "javascript",
  "typescript",
  "sql",
] as const satisfies readonly LanguageId[];

/** One of {@linkcode RUNNABLE_LANGUAGES}. */
export type RunnableLanguage = typeof RUNNABLE_LANGUAGES[number];

/** Whether the Run button can run code of `language`. */
export function isRunnableLanguage(language: string): language is RunnableLanguage {
  return (RUNNABLE_LANGUAGES as readonly string[]).includes(language);
}

/** How long a run may take before it is stopped, in milliseconds. */
export const RUN_TIME_LIMIT_MS = 10_000;
/** Extra time an SQL run has to start its database (PGlite) before the limit counts. */
export const SQL_START_ALLOWANCE_MS = 60_000;
/** Most bytes (UTF-8) of output one run keeps; the rest is dropped as "output truncated". */
export const MAX_RUN_OUTPUT_BYTES = 1024 * 1024;
/** Most lines of output one run keeps. */
export const MAX_RUN_OUTPUT_LINES = 10_000;
/** How many runs a room keeps for people who reload or join later. */
export const RUNS_KEPT = 10;

/** A stream of text output: standard output, errors, Duet's own notes, and what was typed in. */
export type TextStream = "out" | "err" | "info" | "in";

/** One piece of a run's output: a line (or lines) of text, or a result table. */
export type OutputItem =
  | { s: TextStream; text: string }
  | { s: "table"; columns: string[]; rows: (string | null)[][] };

/** How a run ended. */
export type RunStatus = "ok" | "error" | "timeout" | "stopped" | "crashed" | "disconnected";

/** Words for each {@linkcode RunStatus}, as the output panel shows them. */
export const RUN_STATUS_TEXT: Readonly<Record<RunStatus | "running", string>> = {
  running: "Running…",
  ok: "Finished",
  error: "Failed with an error",
  timeout: `Stopped: time limit (${RUN_TIME_LIMIT_MS / 1000} s)`,
  stopped: "Stopped",
  crashed: "The sandbox stopped (out of memory?)",
  disconnected: "Ended: the runner left",
};

function lineCount(text: string): number {
  let lines = 1;
  for (
    let at = text.indexOf("\n");
    at !== -1 && at < text.length - 1;
    at = text.indexOf("\n", at + 1)
  ) {
    lines++;
  }
  return lines;
}

/** Options for {@linkcode OutputBudget}. */
export interface OutputBudgetOptions {
  maxBytes?: number;
  maxLines?: number;
}

/**
 * Counts a run's output against its limits. Items are admitted whole while
 * they fit; the one that crosses a limit is cut (text) or dropped (a table),
 * and everything after it is dropped.
 */
export class OutputBudget {
  readonly #maxBytes: number;
  readonly #maxLines: number;
  #bytes = 0;
  #lines = 0;
  #truncated = false;

  constructor(options: OutputBudgetOptions = {}) {
    this.#maxBytes = options.maxBytes ?? MAX_RUN_OUTPUT_BYTES;
    this.#maxLines = options.maxLines ?? MAX_RUN_OUTPUT_LINES;
  }

  /** Whether output has been dropped. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Bytes kept so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The item as it may be kept (perhaps cut), or `null` when none of it fits. */
  admit(item: OutputItem): OutputItem | null {
    if (this.#truncated) return null;
    if (item.s === "table") {
      const bytes = utf8Length(JSON.stringify(item));
      const lines = item.rows.length + 1;
      if (this.#bytes + bytes > this.#maxBytes || this.#lines + lines > this.#maxLines) {
        this.#truncated = true;
        return null;
      }
      this.#bytes += bytes;
      this.#lines += lines;
      return item;
    }
    const bytes = utf8Length(item.text);
    const lines = lineCount(item.text);
    if (this.#bytes + bytes <= this.#maxBytes && this.#lines + lines <= this.#maxLines) {
      this.#bytes += bytes;
      this.#lines += lines;
      return item;
    }
    this.#truncated = true;
    // Keep what fits: whole lines up to the line limit, then code units up
    // to the byte limit (UTF-8 is at most 3 bytes per UTF-16 code unit).
    let text = item.text.split("\n").slice(0, Math.max(0, this.#maxLines - this.#lines)).join(
      "\n",
    );
    const room = this.#maxBytes - this.#bytes;
    // Every code unit is at least one byte, and at most three.
    let cut = Math.min(text.length, room);
    for (let over = utf8Length(text.slice(0, cut)) - room; over > 0;) {
      cut -= Math.max(1, Math.floor(over / 3));
      over = utf8Length(text.slice(0, cut)) - room;
    }
    // Never half a surrogate pair.
    if (cut > 0 && cut < text.length && /[\ud800-\udbff]/.test(text[cut - 1])) cut--;
    text = text.slice(0, cut);
    if (text === "") return null;
    this.#bytes += utf8Length(text);
    this.#lines += lineCount(text);
    return { s: item.s, text };
  }
}
