/**
 * The runs a room page shows: the room's kept runs and others' live ones (as
 * the server sends them, checked with zod), and this person's own. Loaded
 * when the first run message arrives or on the first Run.
 *
 * @module
 */
import type { OutputItem, RunStatus } from "../../../lib/shared/run_output.ts";
import { RUNS_KEPT } from "../../../lib/shared/run_output.ts";
import {
  decodeRunBody,
  type RunRecord,
  ServerRunEventSchema,
} from "../../../lib/shared/run_wire.ts";

export type { RunRecord } from "../../../lib/shared/run_wire.ts";

/** The runs in a room, oldest first, as the output panel shows them. */
export class RunFeed {
  readonly #onChange: (runs: RunRecord[]) => void;
  #runs: RunRecord[] = [];

  constructor(onChange: (runs: RunRecord[]) => void) {
    this.#onChange = onChange;
  }

  /** Applies a run message from the server; a malformed one is logged and ignored. */
  receive(body: Uint8Array): void {
    let parsed;
    try {
      parsed = ServerRunEventSchema.safeParse(decodeRunBody(body));
    } catch (error) {
      console.warn("Ignored an unreadable run message", error);
      return;
    }
    if (!parsed.success) {
      console.warn("Ignored an invalid run message", parsed.error);
      return;
    }
    const event = parsed.data;
    switch (event.t) {
      case "history": {
        // Kept runs replace what we had of others' (after a reconnect, say);
        // our own runs stay.
        const own = this.#runs.filter((run) => run.id.startsWith("own-"));
        this.#runs = [...event.runs, ...own].sort((a, b) => a.startedAt - b.startedAt);
        break;
      }
      case "start":
        this.#add(event.run);
        break;
      case "output":
        this.output(event.run, event.items, event.truncated);
        return;
      case "end":
        this.end(event.run, event.status, event.ms, event.truncated);
        return;
    }
    this.#publish();
  }

  /** Adds a run (this person's own, or one the server announced). */
  add(run: RunRecord): void {
    this.#add(run);
    this.#publish();
  }

  /** Adds output to a run. */
  output(id: string, items: OutputItem[], truncated: boolean): void {
    const run = this.#runs.find((candidate) => candidate.id === id);
    if (!run) return;
    run.items = [...run.items, ...items];
    run.truncated ||= truncated;
    this.#publish();
  }

  /** Marks a run as ended. */
  end(id: string, status: RunStatus, ms: number, truncated: boolean): void {
    const run = this.#runs.find((candidate) => candidate.id === id);
    if (!run) return;
    run.status = status;
    run.ms = ms;
    run.truncated ||= truncated;
    this.#publish();
  }

  #add(run: RunRecord): void {
    this.#runs.push(run);
    while (this.#runs.length > RUNS_KEPT) this.#runs.shift();
  }

  #publish(): void {
    this.#onChange(this.#runs.map((run) => ({ ...run })));
  }
}
