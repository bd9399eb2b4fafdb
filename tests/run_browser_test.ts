/**
 * The Run button in Chromium: the sandbox, its limits, and output shared with
 * the room.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { launchBrowser, waitForEditor } from "../testing/browser.ts";
import { startTestServer } from "./_server.ts";
import { createRoom as postRoom } from "../testing/rooms.ts";

/** A run as the output panel shows it. */
interface ShownRun {
  status: string;
  meta: string;
  output: string;
}

async function createRoom(serverUrl: string, language: string, code: string): Promise<string> {
  return (await postRoom(serverUrl, { language, code })).url;
}

async function openRoom(browser: Browser, url: string): Promise<Page> {
  // A context each: the provider also syncs same-origin tabs through
  // BroadcastChannel, which would hide a broken server.
  const page = await (await browser.createBrowserContext()).newPage();
  await page.goto(url);
  await waitForEditor(page);
  return page;
}

function shownRuns(page: Page): Promise<ShownRun[]> {
  return page.$$eval(".duet-run__run", (runs) =>
    runs.map((run) => ({
      status: run.getAttribute("data-status") ?? "",
      meta: run.querySelector(".duet-run__meta")?.textContent ?? "",
      output: run.querySelector(".duet-run__output")?.textContent ?? "",
    })));
}

/** Waits until the page shows `count` runs, the last one ended. */
async function waitForRuns(page: Page, count: number, timeout = 30_000): Promise<ShownRun[]> {
  await page.waitForFunction(
    (count: number) => {
      const runs = document.querySelectorAll(".duet-run__run");
      return runs.length === count &&
        runs[runs.length - 1].getAttribute("data-status") !== "running";
    },
    { timeout },
    count,
  );
  return await shownRuns(page);
}

async function run(page: Page): Promise<void> {
  await page.waitForSelector("[data-testid=run]:not([disabled])");
  await page.click("[data-testid=run]");
}

Deno.test({
  name: "Run – JavaScript and TypeScript print, and errors show their line",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      const javascript = await openRoom(
        browser,
        await createRoom(
          server.url,
          "javascript",
          [
            "console.log('hello', 1 + 1, { a: [1, 2] });",
            "console.error('careful');",
            "await new Promise((resolve) => setTimeout(resolve, 10));",
            "setTimeout(() => console.log('later'), 20);",
            "return 6 * 7;",
          ].join("\n"),
        ),
      );
      await run(javascript);
      const [first] = await waitForRuns(javascript, 1);
      assert.equal(first.status, "ok", first.output);
      assert.match(first.output, /hello 2 \{ a: \[ 1, 2 \] \}/);
      assert.match(first.output, /careful/);
      assert.match(first.output, /later/);
      assert.match(first.output, /← 42/);
      assert.match(first.meta, /ran JavaScript · Finished/);

      const typescript = await openRoom(
        browser,
        await createRoom(
          server.url,
          "typescript",
          [
            "interface Point { x: number; y: number }",
            "const p: Point = { x: 3, y: 4 };",
            "const length = (q: Point): number => Math.hypot(q.x, q.y);",
            "console.log(`length ${length(p)}`);",
            "throw new RangeError('too far' as string);",
          ].join("\n"),
        ),
      );
      await run(typescript);
      const [ts] = await waitForRuns(typescript, 1);
      assert.equal(ts.status, "error", ts.output);
      assert.match(ts.output, /length 5/);
      assert.match(ts.output, /Uncaught RangeError: too far \(line 5\)/);
      assert.match(ts.meta, /ran TypeScript · Failed with an error/);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Run – an endless loop is stopped by the time limit and by Stop",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      const page = await openRoom(
        browser,
        await createRoom(server.url, "javascript", "console.log('spinning');\nwhile (true) {}\n"),
      );
      await run(page);
      await page.waitForSelector("[data-testid=run-timer]");
      const [timedOut] = await waitForRuns(page, 1, 30_000);
      assert.equal(timedOut.status, "timeout");
      assert.match(timedOut.meta, /Stopped: time limit \(10 s\)/);
      assert.match(timedOut.output, /spinning/);

      await run(page);
      await page.waitForFunction(
        () =>
          document.querySelectorAll(".duet-run__run").length === 2 &&
          document.querySelector(".duet-run__run:last-child .duet-run__output")?.textContent
            ?.includes("spinning"),
      );
      await page.click("[data-testid=stop]");
      const runs = await waitForRuns(page, 2, 5_000);
      assert.equal(runs[1].status, "stopped");
      // The page is still responsive, and runs again.
      await run(page);
      await page.waitForSelector("[data-testid=stop]");
      await page.click("[data-testid=stop]");
      assert.equal((await waitForRuns(page, 3, 5_000))[2].status, "stopped");
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Run – the code cannot read the page's storage or DOM, fetch, or reach the room's socket",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      // A room whose socket the code tries to open.
      const target = (await createRoom(server.url, "javascript", "")).split("/room/")[1];
      const socketUrl = `${server.url.replace(/^http/, "ws")}/ws/${target}`;
      const url = await createRoom(
        server.url,
        "javascript",
        [
          "const attempts = {",
          "  storage: () => localStorage.getItem('duet:name'),",
          "  cookie: () => document.cookie,",
          "  parentDom: () => parent.document.title,",
          `  fetchOwn: () => fetch(${JSON.stringify(`${server.url}/healthz`)}),`,
          "  fetchAway: () => fetch('https://example.com/'),",
          "  socket: () => new Promise((resolve, reject) => {",
          `    const ws = new WebSocket(${JSON.stringify(socketUrl)});`,
          "    ws.onopen = () => resolve('open');",
          "    ws.onerror = () => reject(new Error('socket refused'));",
          "  }),",
          "};",
          "for (const [name, attempt] of Object.entries(attempts)) {",
          "  try {",
          "    const value = await attempt();",
          "    console.log(`${name} LEAKED ${value}`);",
          "  } catch (error) {",
          "    console.log(`${name} blocked: ${error.name}`);",
          "  }",
          "}",
        ].join("\n"),
      );
      const page = await openRoom(browser, url);
      await page.evaluate(() => localStorage.setItem("duet:secret", "owner-key"));
      await run(page);
      const [result] = await waitForRuns(page, 1);
      assert.doesNotMatch(result.output, /LEAKED/);
      for (const name of ["storage", "cookie", "parentDom", "fetchOwn", "fetchAway", "socket"]) {
        assert.match(result.output, new RegExp(`${name} blocked`), result.output);
      }
      // The policy refused each connection (not only the server or the
      // network), and the output says so for each.
      const refused = [...result.output.matchAll(/Blocked by the sandbox: connect-src (\S+)/g)]
        .map((match) => match[1]);
      assert.ok(refused.some((uri) => uri.endsWith("/healthz")), refused.join(", "));
      assert.ok(refused.some((uri) => uri.startsWith("https://example.com")), refused.join(", "));
      assert.ok(refused.some((uri) => uri.startsWith("ws://")), refused.join(", "));
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Run – everyone in the room sees the output live, and a reload shows the last runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      const url = await createRoom(
        server.url,
        "javascript",
        [
          "console.log('first line');",
          "await new Promise((resolve) => setTimeout(resolve, 1500));",
          "console.log('second line');",
        ].join("\n"),
      );
      const alice = await openRoom(browser, url);
      const bob = await openRoom(browser, url);
      await alice.$eval("[data-testid=name]", (input) => (input as HTMLInputElement).value = "");
      await alice.type("[data-testid=name]", "Alice");
      await run(alice);
      // Bob sees the first line while the run is still going.
      await bob.waitForFunction(() => {
        const run = document.querySelector(".duet-run__run");
        return run?.getAttribute("data-status") === "running" &&
          run.textContent?.includes("first line");
      }, { timeout: 15_000 });
      const [seen] = await waitForRuns(bob, 1);
      assert.equal(seen.status, "ok");
      assert.match(seen.output, /first line\s*second line/);
      // Who ran it, how it ended, and how long it took (the program waits 1.5 s).
      const took = seen.meta.match(/^Alice ran JavaScript · Finished · (\d+\.\d) s$/);
      assert.ok(took && Number(took[1]) >= 1.5, seen.meta);

      await bob.reload();
      await waitForEditor(bob);
      const [kept] = await waitForRuns(bob, 1);
      assert.deepEqual(kept, seen);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Run – SQL shows each statement's result as a table, and an error with its line",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      const page = await openRoom(
        browser,
        await createRoom(
          server.url,
          "sql",
          [
            "create table person (id int, name text);",
            "insert into person values (1, 'Ada'), (2, null);",
            "select id, name from person order by id;",
          ].join("\n"),
        ),
      );
      await run(page);
      // The first run loads PGlite (megabytes of WebAssembly).
      const [result] = await waitForRuns(page, 1, 120_000);
      assert.equal(result.status, "ok", result.output);
      const table = await page.$$eval(
        ".duet-run__run:last-child table tr",
        (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)),
      );
      assert.deepEqual(table, [["id", "name"], ["1", "Ada"], ["2", "NULL"]]);
      assert.match(result.output, /OK, 2 rows/);

      const broken = await openRoom(
        browser,
        await createRoom(server.url, "sql", "select 1;\nselect nope from nowhere;\n"),
      );
      await run(broken);
      const [failed] = await waitForRuns(broken, 1, 120_000);
      assert.equal(failed.status, "error");
      assert.match(failed.output, /ERROR: relation "nowhere" does not exist \(line 2\)/);
    } finally {
      await server.shutdown();
    }
  },
});
