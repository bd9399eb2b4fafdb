import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { LANGUAGE_LABELS } from "../../../lib/shared/languages.ts";
import {
  type OutputItem,
  RUN_STATUS_TEXT,
  RUN_TIME_LIMIT_MS,
} from "../../../lib/shared/run_output.ts";
import type { RunRecord } from "../../../lib/shared/run_wire.ts";

/** The run panel's parts, which load with the run code. */
export interface RunViews {
  RunList: typeof RunList;
  RunControls: typeof RunControls;
  /** Stops this person's run. */
  stop: () => void;
}

/** Props of {@linkcode RunControls}. */
export interface RunControlsProps {
  /** When this person's run started (`Date.now()`). */
  since: number;
  onStop: () => void;
}

/** Stop, and the running time against the limit, while this person's run goes. */
export function RunControls({ since, onStop }: RunControlsProps): VNode {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [since]);
  return (
    <>
      <button type="button" class="duet-button" data-testid="stop" onClick={onStop}>
        Stop
      </button>
      <span class="duet-run__timer" data-testid="run-timer">
        {(Math.max(0, now - since) / 1000).toFixed(1)} s of {RUN_TIME_LIMIT_MS / 1000} s
      </span>
    </>
  );
}

/** Props of {@linkcode RunList}. */
export interface RunListProps {
  runs: RunRecord[];
}

/**
 * The room's runs, oldest first: who ran what, how it ended, its output
 * (text as text, never HTML; result tables as tables). Loaded with the run
 * code, not with the page.
 */
export function RunList({ runs }: RunListProps): VNode {
  return (
    <ol class="duet-run__list" data-testid="run-output" aria-live="polite">
      {runs.map((run) => (
        <li key={run.id} class="duet-run__run" data-status={run.status}>
          <p class="duet-run__meta">
            <strong>{run.by}</strong> ran {LANGUAGE_LABELS[run.language]} ·{" "}
            <span class="duet-run__status">{RUN_STATUS_TEXT[run.status]}</span>
            {run.ms !== undefined && ` · ${formatDuration(run.ms)}`}
          </p>
          <div class="duet-run__output">
            {outputBlocks(run.items).map((block, index) =>
              block.s === "table"
                ? <ResultTable key={index} table={block} />
                : (
                  <pre key={index} class={`duet-run__text duet-run__text--${block.s}`}>
                  {block.text}
                  </pre>
                )
            )}
          </div>
          {run.truncated && (
            <p class="duet-run__truncated">
              Output truncated (a run keeps at most 1 MiB or 10,000 lines)
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}

function ResultTable({ table }: { table: Extract<OutputItem, { s: "table" }> }): VNode {
  return (
    <div class="duet-run__table-wrap">
      <table class="duet-run__table">
        <thead>
          <tr>
            {table.columns.map((column, at) => <th key={at} scope="col">{column}</th>)}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, at) => (
            <tr key={at}>
              {row.map((cell, col) => (
                <td key={col} data-null={cell === null ? "true" : undefined}>
                  {cell ?? "NULL"}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Consecutive lines of one stream, as one block of text. */
function outputBlocks(items: OutputItem[]): OutputItem[] {
  const blocks: OutputItem[] = [];
  for (const item of items) {
    const last = blocks.at(-1);
    if (item.s !== "table" && last && last.s === item.s) {
      blocks[blocks.length - 1] = { s: item.s, text: `${last.text}\n${item.text}` };
    } else blocks.push(item);
  }
  return blocks;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
