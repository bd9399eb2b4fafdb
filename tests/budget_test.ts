/**
 * Page-weight budgets, in bytes of JavaScript as the server sends it (gzip,
 * 1 KB = 1000 bytes), measured in headless Chromium with an empty cache.
 *
 * - The home page ships no JavaScript.
 * - A room before its language mode: at most 150 KB. Measured on a
 *   `plaintext` room, which has no mode: everything the page downloads until
 *   the editor is ready to type (live and connected) and the network has
 *   been idle for 300 ms.
 * - A room with its language mode: at most 200 KB, for every language,
 *   measured the same way once the editor shows highlighted code.
 *
 * Not counted, because a page that is only opened never loads them: what
 * loads on first use, i.e. the key bindings, bracket closing and hint code
 * (`islands/_editor/typing_support.ts`, when the editor is first focused or
 * pointed at), search (on a search key or the first selection), the dark
 * syntax colours (only once the page is dark; the test pages are light), the
 * suggestion request (on the first pause in typing), remote carets (on first
 * focus, or when someone else's cursor first arrives), the shortcut help and
 * preferences dialogs (when opened), Vim, Emacs-style or VS Code key bindings
 * (only when chosen: the budgets hold for the default preferences), and the
 * runner (the Run button's sandbox, its engines and the code that shows
 * runs), which loads on the first Run or the first run someone else starts: a
 * room page loads none of it before that. `deno run -A
 * bench/page.ts` prints those figures too, and times, which no test asserts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { LANGUAGE_IDS } from "../lib/shared/languages.ts";
import { launchBrowser } from "../testing/browser.ts";
import { CODE_SAMPLES } from "../testing/code_samples.ts";
import { javascriptWeight } from "../testing/page_weight.ts";
import { startTestServer } from "./_server.ts";
import { createRoom } from "../testing/rooms.ts";

const KB = 1000;
const ROOM_BEFORE_MODE_BUDGET = 150 * KB;
const ROOM_WITH_MODE_BUDGET = 200 * KB;
/** The runner's scripts: its page-side chunk and the sandbox's own bundles. */
const RUNNER_CODE = /\/build\/(run_controller-|runner-)/;

function describe(bytes: number): string {
  return `${(bytes / KB).toFixed(1)} KB`;
}

Deno.test({
  name: "Page weight – pages stay within their JavaScript budgets",
  // Puppeteer keeps its own sockets and timers between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      await t.step("the home page ships no JavaScript", async () => {
        const weight = await javascriptWeight(browser, `${server.url}/`);
        assert.deepEqual(weight.files, []);
        const html = await (await fetch(`${server.url}/`)).text();
        assert.doesNotMatch(html, /<script|modulepreload/);
      });

      await t.step("a room before its language mode (plain text): at most 150 KB", async () => {
        const url =
          (await createRoom(server.url, { language: "plaintext", code: CODE_SAMPLES.plaintext }))
            .url;
        const weight = await javascriptWeight(browser, url);
        assert.ok(
          weight.bytes <= ROOM_BEFORE_MODE_BUDGET,
          `a plain-text room downloads ${describe(weight.bytes)} of JavaScript, over the ` +
            `${describe(ROOM_BEFORE_MODE_BUDGET)} budget: ${[...weight.sizes].join(", ")}`,
        );
      });

      await t.step(
        "a JavaScript room loads no runner code before Run, and loads it on Run",
        async () => {
          const { url } = await createRoom(server.url, {
            language: "javascript",
            code: "console.log('ran');\n",
          });
          const isRunnerCode = (path: string) => RUNNER_CODE.test(path);
          const before = await javascriptWeight(browser, url);
          assert.deepEqual(before.files.filter(isRunnerCode), [], before.files.join(", "));
          const after = await javascriptWeight(browser, url, {
            interact: async (page) => {
              await page.click("[data-testid=run]");
              await page.waitForSelector(".duet-run__run[data-status=ok]", { timeout: 15_000 });
            },
          });
          // The same names match what Run loads, so the check above can fail.
          assert.ok(after.files.filter(isRunnerCode).length >= 3, after.files.join(", "));
        },
      );

      for (const language of LANGUAGE_IDS) {
        await t.step(`a ${language} room with its mode: at most 200 KB`, async () => {
          const url =
            (await createRoom(server.url, { language, code: CODE_SAMPLES[language] })).url;
          const weight = await javascriptWeight(browser, url, {
            highlighted: language !== "plaintext",
          });
          assert.ok(
            weight.bytes <= ROOM_WITH_MODE_BUDGET,
            `a ${language} room downloads ${describe(weight.bytes)} of JavaScript, over the ` +
              `${describe(ROOM_WITH_MODE_BUDGET)} budget: ${[...weight.sizes].join(", ")}`,
          );
        });
      }
    } finally {
      await server.shutdown();
    }
  },
});
