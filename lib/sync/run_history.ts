import {
  MAX_RUN_OUTPUT_BYTES,
  OutputBudget,
  type OutputItem,
  RUNS_KEPT,
} from "../shared/run_output.ts";
import type { ClientRunEvent, RunRecord, ServerRunEvent } from "../shared/run_wire.ts";

/** Options for {@linkcode RunHistory}. */
export interface RunHistoryOptions {
  /** Milliseconds since 1970; default `Date.now`. */
  now?: () => number;
  /** Runs kept; default {@linkcode RUNS_KEPT}. */
  keep?: number;
  /** Bytes of output one run keeps; default {@linkcode MAX_RUN_OUTPUT_BYTES}. */
  maxRunBytes?: number;
  /** Lines of output one run keeps. */
  maxRunLines?: number;
  /** Bytes of output all kept runs together hold; older runs go first. Default 4 MiB. */
  maxKeptBytes?: number;
}

interface ActiveRun {
  /** The id the runner's page gave it. */
  clientRun: string;
  record: RunRecord;
  budget: OutputBudget;
}

/**
 * A room's runs: the one each participant is running and the last few that
 * ended, for people who join later. Pure: it turns what a runner's page says
 * into what the room hears, holding each run to the output limits whatever
 * the page claims. `R` is whatever identifies a participant.
 */
export class RunHistory<R> {
  readonly #now: () => number;
  readonly #keep: number;
  readonly #maxRunBytes?: number;
  readonly #maxRunLines?: number;
  readonly #maxKeptBytes: number;
  #runs: RunRecord[] = [];
  #bytes = new WeakMap<RunRecord, () => number>();
  #active = new Map<R, ActiveRun>();
  #sequence = 0;

  constructor(options: RunHistoryOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#keep = options.keep ?? RUNS_KEPT;
    this.#maxRunBytes = options.maxRunBytes;
    this.#maxRunLines = options.maxRunLines;
    this.#maxKeptBytes = options.maxKeptBytes ?? 4 * (options.maxRunBytes ?? MAX_RUN_OUTPUT_BYTES);
  }

  /** The kept runs, oldest first. */
  get runs(): readonly RunRecord[] {
    return this.#runs;
  }

  /** Applies a runner's event; returns what to tell the others (nothing for a stale event). */
  receive(runner: R, name: string, event: ClientRunEvent): ServerRunEvent[] {
    const active = this.#active.get(runner);
    switch (event.t) {
      case "start": {
        const events: ServerRunEvent[] = active ? this.#end(runner, active, "stopped") : [];
        const record: RunRecord = {
          id: `${this.#now().toString(36)}-${++this.#sequence}`,
          language: event.language,
          by: name.slice(0, 64),
          startedAt: this.#now(),
          status: "running",
          truncated: false,
          items: [],
        };
        const budget = new OutputBudget({
          maxBytes: this.#maxRunBytes,
          maxLines: this.#maxRunLines,
        });
        this.#active.set(runner, { clientRun: event.run, record, budget });
        this.#bytes.set(record, () => budget.bytes);
        this.#runs.push(record);
        this.#trim();
        events.push({ t: "start", run: { ...record, items: [] } });
        return events;
      }
      case "output": {
        // Output of a run that already ended (sent again after a reconnect,
        // say) is late, not hostile: it is dropped.
        if (!active || active.clientRun !== event.run) return [];
        const wasTruncated = active.budget.truncated;
        const kept: OutputItem[] = [];
        for (const item of event.items) {
          const admitted = active.budget.admit(item);
          if (admitted) kept.push(admitted);
        }
        active.record.items.push(...kept);
        active.record.truncated = active.budget.truncated;
        this.#trim();
        if (kept.length === 0 && wasTruncated === active.budget.truncated) return [];
        return [{
          t: "output",
          run: active.record.id,
          items: kept,
          truncated: active.budget.truncated,
        }];
      }
      case "end":
        if (!active || active.clientRun !== event.run) return [];
        return this.#end(runner, active, event.status);
    }
  }

  /** Ends the run of a participant who left. */
  leave(runner: R): ServerRunEvent[] {
    const active = this.#active.get(runner);
    return active ? this.#end(runner, active, "disconnected") : [];
  }

  #end(
    runner: R,
    active: ActiveRun,
    status: Exclude<RunRecord["status"], "running">,
  ): ServerRunEvent[] {
    this.#active.delete(runner);
    const { record } = active;
    record.status = status;
    record.ms = Math.max(0, this.#now() - record.startedAt);
    const bytes = active.budget.bytes;
    this.#bytes.set(record, () => bytes);
    const event: ServerRunEvent = {
      t: "end",
      run: record.id,
      status,
      ms: record.ms,
      truncated: record.truncated,
    };
    return [event];
  }

  /** Drops the oldest runs past the count or the bytes kept (the newest always stays). */
  #trim(): void {
    while (this.#runs.length > this.#keep) this.#runs.shift();
    let total = this.#runs.reduce((sum, run) => sum + (this.#bytes.get(run)?.() ?? 0), 0);
    while (this.#runs.length > 1 && total > this.#maxKeptBytes) {
      total -= this.#bytes.get(this.#runs.shift()!)?.() ?? 0;
    }
  }
}
