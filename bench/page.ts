/**
 * The page, in headless Chromium on loopback, against a Duet server in its
 * own process (as `deno task start` runs it, with its data in memory):
 *
 * - how long from navigation until the editor is ready to type (live and
 *   connected) and until its code is highlighted, with a cold and a warm cache;
 * - how long a keystroke in one browser takes to show in another;
 * - a 10,000-line file: how long it takes to load and sync, and how long
 *   keystrokes take to show, locally and in the other browser, while typing
 *   in the middle of it;
 * - the JavaScript each room downloads (gzip, as served), until idle and
 *   after first use.
 *
 * Figures, not tests: nothing here passes or fails (`tests/budget_test.ts`
 * asserts the byte budgets). Markdown on stdout, progress on stderr.
 *
 * ```sh
 * deno run -A bench/page.ts           # about two minutes
 * deno run -A bench/page.ts --quick   # fewer samples and languages, under a minute
 * ```
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { LANGUAGE_IDS, type LanguageId } from "../lib/shared/languages.ts";
import { launchBrowser } from "../testing/browser.ts";
import { CODE_SAMPLES } from "../testing/code_samples.ts";
import { javascriptWeight } from "../testing/page_weight.ts";
import { type ServerProcess, spawnServer } from "../testing/process.ts";
import { createRoom } from "../testing/rooms.ts";

const ROOT = new URL("../", import.meta.url);

/** Options for {@linkcode runPageBenchmark}. */
export interface PageBenchmarkOptions {
  /** Fewer samples, languages and keystrokes. */
  quick?: boolean;
}

/** A distribution of times, in milliseconds. */
export interface Timing {
  median: number;
  p90: number;
  max: number;
  samples: number;
}

/** Page-load times of one room language. */
export interface LoadTimes {
  language: LanguageId;
  cold: { hydrated: Timing; ready: Timing; highlighted: Timing };
  warm: { hydrated: Timing; ready: Timing; highlighted: Timing };
}

/** Bytes of JavaScript a room downloads, as served. */
export interface RoomWeight {
  language: LanguageId;
  /** Until the editor is ready and the network idle. */
  initial: number;
  /** After focusing the editor, typing and selecting (key bindings, hint and search loaded). */
  afterUse: number;
}

/** What typing into a document measured. */
export interface TypingTimes {
  /** Keydown to the next frame after the typed character is in the typist's editor. */
  local: Timing;
  /** Keydown to the next frame after it is in the other browser's editor. */
  remote: Timing;
  /** Main-thread tasks over 50 ms in either page while typing. */
  longTasks: number;
  longestTaskMs: number;
}

/** Everything {@linkcode runPageBenchmark} measures. */
export interface PageBenchmarkResults {
  chromium: string;
  loads: LoadTimes[];
  keystroke: TypingTimes;
  largeFile: {
    lines: number;
    codeBytes: number;
    /** The room page's HTML as transferred (it carries the code). */
    htmlBytes: number;
    /** Navigation until the editor is ready. */
    ready: Timing;
    /** Socket created until the editor is ready: the initial sync and mounting the view. */
    sync: Timing;
    typing: TypingTimes;
  };
  weights: RoomWeight[];
}

// Installed before any page script: records when the island hydrated, when
// the editor became ready and highlighted, and when the collaboration socket
// was created, as milliseconds since navigation started.
function recordMilestones(): void {
  const marks: Record<string, number | null> = {
    hydrated: null,
    ready: null,
    highlighted: null,
    socket: null,
  };
  Object.assign(globalThis, { __duetMarks: marks });
  const NativeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      marks.socket ??= performance.now();
    }
  };
  const check = () => {
    const now = performance.now();
    if (marks.hydrated === null && document.querySelector("[data-hydrated=true]")) {
      marks.hydrated = now;
    }
    if (
      marks.ready === null &&
      document.querySelector(".duet-editor[data-editor=live] .cm-content[contenteditable=true]") &&
      document.querySelector("[data-testid=status]")?.textContent === "Connected"
    ) marks.ready = now;
    if (marks.highlighted === null && document.querySelector(".cm-content .cm-line span[class]")) {
      marks.highlighted = now;
    }
    if (marks.ready !== null && marks.highlighted !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  });
}

// Installed in a page whose editor is ready: logs key presses and, per
// change of the editor's text, when it happened and when the next frame
// started, on the clock all pages share (timeOrigin + now).
function recordTyping(): void {
  const content = document.querySelector(".cm-content");
  if (content === null) throw new Error("No editor in the page");
  const log = {
    keys: [] as number[],
    changes: [] as { at: number; frame: number | null }[],
    longTasks: [] as number[],
  };
  Object.assign(globalThis, { __duetTyping: log });
  const clock = () => performance.timeOrigin + performance.now();
  document.addEventListener("keydown", (event) => {
    log.keys.push(performance.timeOrigin + event.timeStamp);
  }, true);
  // Remote carets carry their owner's name: not part of the text.
  const textLength = () => {
    let length = 0;
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement?.closest(".cm-ySelectionCaret")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    while (walker.nextNode()) length += walker.currentNode.nodeValue?.length ?? 0;
    return length;
  };
  let last = textLength();
  new MutationObserver(() => {
    const length = textLength();
    if (length === last) return;
    last = length;
    const change: { at: number; frame: number | null } = { at: clock(), frame: null };
    log.changes.push(change);
    requestAnimationFrame(() => change.frame = clock());
  }).observe(content, { subtree: true, childList: true, characterData: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) log.longTasks.push(entry.duration);
  }).observe({ type: "longtask" });
}

interface TypingLog {
  keys: number[];
  changes: { at: number; frame: number | null }[];
  longTasks: number[];
}

function typingLog(page: Page): Promise<TypingLog> {
  return page.evaluate(() => (globalThis as unknown as { __duetTyping: TypingLog }).__duetTyping);
}

function timing(values: number[]): Timing {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return sorted.length === 0
    ? { median: NaN, p90: NaN, max: NaN, samples: 0 }
    : { median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1], samples: sorted.length };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function progress(message: string): void {
  console.error(`[bench/page] ${message}`);
}

interface Milestones {
  hydrated: number;
  ready: number;
  highlighted: number;
  socket: number;
}

/** Navigates and waits for the editor (and highlighting, unless plain text); milestones in ms. */
async function load(page: Page, url: string, highlighted: boolean): Promise<Milestones> {
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(
    (highlighted: boolean) => {
      const marks = (globalThis as unknown as { __duetMarks: Record<string, number | null> })
        .__duetMarks;
      return marks.ready !== null && (!highlighted || marks.highlighted !== null);
    },
    { polling: 50, timeout: 30_000 },
    highlighted,
  );
  const marks = await page.evaluate(() =>
    (globalThis as unknown as { __duetMarks: Milestones }).__duetMarks
  );
  return { ...marks, highlighted: highlighted ? marks.highlighted : NaN };
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.evaluateOnNewDocument(recordMilestones);
  return page;
}

async function loadTimes(
  browser: Browser,
  server: ServerProcess,
  language: LanguageId,
  samples: number,
): Promise<LoadTimes> {
  const url = (await createRoom(server, { language, code: CODE_SAMPLES[language] })).url;
  const highlighted = language !== "plaintext";
  const cold: Milestones[] = [];
  const warm: Milestones[] = [];
  for (let i = 0; i < samples; i++) {
    // A new context has an empty cache.
    const page = await newPage(browser);
    try {
      cold.push(await load(page, url, highlighted));
      // The same context again: scripts come from its cache.
      warm.push(await load(page, url, highlighted));
    } finally {
      await page.browserContext().close();
    }
  }
  const pick = (list: Milestones[]) => ({
    hydrated: timing(list.map((m) => m.hydrated)),
    ready: timing(list.map((m) => m.ready)),
    highlighted: timing(list.map((m) => m.highlighted)),
  });
  return { language, cold: pick(cold), warm: pick(warm) };
}

/**
 * Types `keys` characters into `typist`, one every `intervalMs`, waiting each
 * time until `watcher` shows it; returns the per-key latencies.
 */
async function typeAndWatch(
  typist: Page,
  watcher: Page,
  keys: number,
  intervalMs: number,
): Promise<TypingTimes> {
  await typist.evaluate(recordTyping);
  await watcher.evaluate(recordTyping);
  const local: number[] = [];
  const remote: number[] = [];
  for (let i = 0; i < keys; i++) {
    const [typistBefore, watcherBefore] = await Promise.all([
      typist.evaluate(() =>
        (globalThis as unknown as { __duetTyping: TypingLog }).__duetTyping.changes.length
      ),
      watcher.evaluate(() =>
        (globalThis as unknown as { __duetTyping: TypingLog }).__duetTyping.changes.length
      ),
    ]);
    await typist.keyboard.type(String.fromCharCode(97 + (i % 26)));
    for (const [page, before] of [[typist, typistBefore], [watcher, watcherBefore]] as const) {
      await page.waitForFunction(
        (before: number) => {
          const log = (globalThis as unknown as { __duetTyping: TypingLog }).__duetTyping;
          return log.changes.length > before && log.changes[before].frame !== null;
        },
        { polling: 5, timeout: 10_000 },
        before,
      );
    }
    const [typed, watched] = await Promise.all([typingLog(typist), typingLog(watcher)]);
    const keydown = typed.keys[typed.keys.length - 1];
    local.push(typed.changes[typistBefore].frame! - keydown);
    remote.push(watched.changes[watcherBefore].frame! - keydown);
    await sleep(intervalMs);
  }
  const [typed, watched] = await Promise.all([typingLog(typist), typingLog(watcher)]);
  const longTasks = [...typed.longTasks, ...watched.longTasks];
  return {
    local: timing(local),
    remote: timing(remote),
    longTasks: longTasks.length,
    longestTaskMs: longTasks.length > 0 ? Math.max(...longTasks) : 0,
  };
}

async function keystrokeTimes(
  browser: Browser,
  server: ServerProcess,
  keys: number,
): Promise<TypingTimes> {
  const url =
    (await createRoom(server, { language: "javascript", code: CODE_SAMPLES.javascript })).url;
  // Separate contexts, so that the browsers sync through the server, not
  // BroadcastChannel.
  const alice = await newPage(browser);
  const bob = await newPage(browser);
  try {
    await load(alice, url, true);
    await load(bob, url, true);
    await alice.focus(".cm-content");
    await alice.keyboard.down("Control");
    await alice.keyboard.press("End");
    await alice.keyboard.up("Control");
    await sleep(500);
    return await typeAndWatch(alice, bob, keys, 100);
  } finally {
    await alice.browserContext().close();
    await bob.browserContext().close();
  }
}

/** A JavaScript file of `lines` lines, some of them long. */
function largeFile(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `// Block ${i}: compute a checksum of the items`,
      `function checksum${i}(items) {`,
      `  let total = ${i};`,
      `  for (const item of items) total = (total * 31 + item.value.length) % 1000003;`,
      `  return { id: "block-${i}", total, label: \`items: \${items.length}\` };`,
      `}`,
      ``,
    );
  }
  return out.slice(0, lines).join("\n") + "\n";
}

async function largeFileTimes(
  browser: Browser,
  server: ServerProcess,
  samples: number,
  keys: number,
): Promise<PageBenchmarkResults["largeFile"]> {
  const lines = 10_000;
  const code = largeFile(lines);
  const url = (await createRoom(server, { language: "javascript", code })).url;
  const ready: number[] = [];
  const sync: number[] = [];
  let htmlBytes = NaN;
  for (let i = 0; i < samples; i++) {
    const page = await newPage(browser);
    try {
      const marks = await load(page, url, false);
      ready.push(marks.ready);
      sync.push(marks.ready - marks.socket);
      htmlBytes = await page.evaluate(() =>
        (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).transferSize
      );
    } finally {
      await page.browserContext().close();
    }
  }
  const alice = await newPage(browser);
  const bob = await newPage(browser);
  try {
    await load(alice, url, false);
    await load(bob, url, false);
    // Both scroll to the middle, and Alice types at the end of a line there.
    for (const page of [alice, bob]) {
      await page.evaluate(() => {
        const scroller = document.querySelector(".cm-scroller")!;
        scroller.scrollTop = scroller.scrollHeight / 2;
      });
    }
    await sleep(500);
    const target = await alice.evaluate(() => {
      const lines = [...document.querySelectorAll(".cm-content .cm-line")];
      const line = lines[Math.floor(lines.length / 2)];
      line.setAttribute("data-bench-target", "");
      return line.textContent;
    });
    await alice.click(".cm-line[data-bench-target]");
    await alice.keyboard.press("End");
    await sleep(500);
    progress(`typing into the middle of ${lines} lines (at "${target}")`);
    const typing = await typeAndWatch(alice, bob, keys, 100);
    return {
      lines,
      codeBytes: new TextEncoder().encode(code).byteLength,
      htmlBytes,
      ready: timing(ready),
      sync: timing(sync),
      typing,
    };
  } finally {
    await alice.browserContext().close();
    await bob.browserContext().close();
  }
}

async function roomWeight(
  browser: Browser,
  server: ServerProcess,
  language: LanguageId,
): Promise<RoomWeight> {
  const url = (await createRoom(server, { language, code: CODE_SAMPLES[language] })).url;
  const highlighted = language !== "plaintext";
  const initial = await javascriptWeight(browser, url, { highlighted });
  const afterUse = await javascriptWeight(browser, url, {
    highlighted,
    async interact(page) {
      await page.hover(".cm-content");
      await page.focus(".cm-content");
      await page.keyboard.type("x");
      await page.keyboard.down("Shift");
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.up("Shift");
      // Long enough for the hint's pause and its request.
      await sleep(1000);
    },
  });
  return { language, initial: initial.bytes, afterUse: afterUse.bytes };
}

async function ensureBuilt(): Promise<void> {
  try {
    await Deno.stat(new URL("static/build/manifest.json", ROOT));
  } catch {
    progress("building the islands (deno task build)");
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "build"],
      cwd: ROOT,
      stdout: "null",
    }).output();
    if (!success) throw new Error("deno task build failed");
  }
}

/** Runs every measurement against a fresh server and browser. */
export async function runPageBenchmark(
  options: PageBenchmarkOptions = {},
): Promise<PageBenchmarkResults> {
  const quick = options.quick ?? false;
  const samples = quick ? 5 : 15;
  const languages: LanguageId[] = quick
    ? ["plaintext", "javascript", "html"]
    : ["plaintext", "javascript", "python", "html", "markdown"];
  await ensureBuilt();
  const server = await spawnServer({
    env: {
      DUET_DATA_DIR: "memory://",
      // The benchmark opens many pages from one address in a short time.
      DUET_ROOMS_PER_MINUTE: "10000",
      DUET_MAX_CONNECTIONS_PER_ADDRESS: "10000",
    },
  });
  try {
    await using browser = await launchBrowser();
    const chromium = await browser.version();
    // The first pages of a browser are slower (processes, code caches): not measured.
    await loadTimes(browser, server, "javascript", 2);
    const loads: LoadTimes[] = [];
    for (const language of languages) {
      progress(`loading a ${language} room, ${samples} times cold and warm`);
      loads.push(await loadTimes(browser, server, language, samples));
    }
    progress("a keystroke from one browser to the other");
    const keystroke = await keystrokeTimes(browser, server, quick ? 20 : 60);
    progress("a 10,000-line file");
    const large = await largeFileTimes(browser, server, quick ? 3 : 7, quick ? 20 : 40);
    const weights: RoomWeight[] = [];
    for (const language of quick ? languages : LANGUAGE_IDS) {
      progress(`JavaScript of a ${language} room`);
      weights.push(await roomWeight(browser, server, language));
    }
    return { chromium, loads, keystroke, largeFile: large, weights };
  } finally {
    server.kill("SIGTERM");
    await server.status;
  }
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : "–";
}

function row(label: string, t: Timing): string {
  return `| ${label} | ${ms(t.median)} | ${ms(t.p90)} | ${ms(t.max)} | ${t.samples} |`;
}

function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/** The results as Markdown: a heading per table, as in `docs/benchmarks.md`. */
export function renderPageBenchmark(results: PageBenchmarkResults): string {
  const out: string[] = [];
  out.push(
    "### Page load (headless Chromium, loopback)",
    "",
    "From navigation start until the island has hydrated, until the editor is ready to type " +
      "(live and connected) and until its code is highlighted. Cold: a new browser context " +
      "(empty cache); warm: the same context loading the room again.",
    "",
    "| Room | Cache | Hydrated (median) | Ready (median) | Ready (p90) | Ready (max) | Highlighted (median) | Samples |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const load of results.loads) {
    for (const cache of ["cold", "warm"] as const) {
      const t = load[cache];
      out.push(
        `| ${load.language} | ${cache} | ${ms(t.hydrated.median)} | ${ms(t.ready.median)} | ` +
          `${ms(t.ready.p90)} | ${ms(t.ready.max)} | ${ms(t.highlighted.median)} | ` +
          `${t.ready.samples} |`,
      );
    }
  }
  const { keystroke, largeFile } = results;
  out.push(
    "",
    "### Typing",
    "",
    "From the key press until the next frame after the character is in the editor: the " +
      "typist's own, and the other browser's (through the server). One key every 100 ms.",
    "",
    "| Measurement | Median | p90 | Max | Samples |",
    "| --- | --- | --- | --- | --- |",
    row("Keystroke, own editor", keystroke.local),
    row("Keystroke, the other browser", keystroke.remote),
    row(
      `${largeFile.lines.toLocaleString("en")}-line file: keystroke, own editor`,
      largeFile.typing.local,
    ),
    row(
      `${largeFile.lines.toLocaleString("en")}-line file: keystroke, the other browser`,
      largeFile.typing.remote,
    ),
    row(
      `${largeFile.lines.toLocaleString("en")}-line file: navigation to editor ready (cold)`,
      largeFile.ready,
    ),
    row(
      `${largeFile.lines.toLocaleString("en")}-line file: initial sync (socket to editor ready)`,
      largeFile.sync,
    ),
    "",
    `The ${largeFile.lines.toLocaleString("en")}-line file is ${kb(largeFile.codeBytes)} of ` +
      `JavaScript; its room page is ${kb(largeFile.htmlBytes)} as transferred. While typing ` +
      `into it: ${largeFile.typing.longTasks} main-thread tasks over 50 ms in the two pages` +
      (largeFile.typing.longTasks > 0 ? ` (longest ${ms(largeFile.typing.longestTaskMs)})` : "") +
      `; in the small file: ${keystroke.longTasks}.`,
    "",
    "### JavaScript per room (gzip, as served)",
    "",
    "Until the editor is ready and the network idle; and after first use (focus, type, select: " +
      "key bindings, hint and search loaded). Budgets: 150 kB before the language mode " +
      "(plain text), 200 kB with it.",
    "",
    "| Room | Until idle | After first use |",
    "| --- | --- | --- |",
    ...results.weights.map((w) => `| ${w.language} | ${kb(w.initial)} | ${kb(w.afterUse)} |`),
    "",
    `Chromium ${results.chromium.replace(/^HeadlessChrome\//, "")}, headless.`,
  );
  return out.join("\n") + "\n";
}

if (import.meta.main) {
  const known = new Set(["--quick"]);
  for (const arg of Deno.args) {
    if (!known.has(arg)) throw new Error(`Unknown argument ${arg}; known: --quick`);
  }
  const results = await runPageBenchmark({ quick: Deno.args.includes("--quick") });
  console.log(renderPageBenchmark(results));
}
