/**
 * Draws the room's runs into the output list with DOM calls (text as text,
 * never HTML): loaded with the run code, and without Preact, so that the page
 * keeps Preact in its first bundle instead of a chunk shared with this one.
 *
 * @module
 */
import {
  type OutputItem,
  RUN_STATUS_TEXT,
  type RunnableLanguage,
} from "../../../lib/shared/run_output.ts";
import type { RunRecord } from "../../../lib/shared/run_wire.ts";

const LABELS: Readonly<Record<RunnableLanguage, string>> = {
  javascript: "JavaScript",
  typescript: "TypeScript",
  sql: "SQL",
};

/** Drawn runs by id, with what they were drawn from. */
type Drawn = Map<string, { element: HTMLLIElement; items: number; status: string }>;

/**
 * Shows `runs` (oldest first) in `list`, redrawing only the runs that changed.
 * Returns what it drew, to pass back in next time.
 */
export function drawRuns(list: HTMLElement, runs: RunRecord[], drawn: Drawn = new Map()): Drawn {
  const next: Drawn = new Map();
  const elements: HTMLLIElement[] = [];
  for (const run of runs) {
    const previous = drawn.get(run.id);
    const element = previous && previous.items === run.items.length &&
        previous.status === run.status
      ? previous.element
      : drawRun(run);
    next.set(run.id, { element, items: run.items.length, status: run.status });
    elements.push(element);
  }
  list.replaceChildren(...elements);
  return next;
}

function drawRun(run: RunRecord): HTMLLIElement {
  const item = element("li", "duet-run__run");
  item.dataset.status = run.status;
  const meta = element("p", "duet-run__meta");
  const status = element("span", "duet-run__status", RUN_STATUS_TEXT[run.status]);
  meta.append(
    element("strong", undefined, run.by),
    ` ran ${LABELS[run.language]} · `,
    status,
    run.ms === undefined ? "" : ` · ${formatDuration(run.ms)}`,
  );
  const output = element("div", "duet-run__output");
  for (const block of outputBlocks(run.items)) {
    output.append(
      block.s === "table" ? drawTable(block) : element(
        "pre",
        `duet-run__text duet-run__text--${block.s}`,
        block.text,
      ),
    );
  }
  item.append(meta, output);
  if (run.truncated) {
    item.append(
      element(
        "p",
        "duet-run__truncated",
        "Output truncated (a run keeps at most 1 MiB or 10,000 lines)",
      ),
    );
  }
  return item;
}

function drawTable(table: Extract<OutputItem, { s: "table" }>): HTMLElement {
  const wrap = element("div", "duet-run__table-wrap");
  const grid = element("table", "duet-run__table");
  const head = element("tr");
  for (const column of table.columns) {
    const cell = element("th", undefined, column);
    cell.scope = "col";
    head.append(cell);
  }
  const body = element("tbody");
  for (const row of table.rows) {
    const line = element("tr");
    for (const value of row) {
      const cell = element("td", undefined, value ?? "NULL");
      if (value === null) cell.dataset.null = "true";
      line.append(cell);
    }
    body.append(line);
  }
  const thead = element("thead");
  thead.append(head);
  grid.append(thead, body);
  wrap.append(grid);
  return wrap;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
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

/** `850 ms`, `2.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
