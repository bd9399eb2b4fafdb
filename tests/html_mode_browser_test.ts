/**
 * The HTML mode loads in two steps (HTML first, the JavaScript and CSS
 * parsers inside it later): a room that is only opened ends up with its
 * scripts and styles highlighted too. In headless Chromium.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { launchBrowser, waitForEditor } from "../testing/browser.ts";
import { CODE_SAMPLES } from "../testing/code_samples.ts";
import { createRoom } from "../testing/rooms.ts";
import { startTestServer } from "./_server.ts";

/** Waits until the first line containing `needle` shows `token` as a highlighted span (one with a class). */
async function waitForToken(page: Page, needle: string, token: string): Promise<void> {
  await page.waitForFunction(
    (needle, token) => {
      const line = [...document.querySelectorAll(".cm-content .cm-line")]
        .find((element) => element.textContent?.includes(needle));
      return [...(line?.querySelectorAll("span[class]") ?? [])]
        .some((span) => span.textContent === token);
    },
    { timeout: 15_000 },
    needle,
    token,
  );
}

Deno.test({
  name: "HTML mode – scripts and styles inside HTML end up highlighted without touching the page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    try {
      const { url } = await createRoom(server.url, { language: "html", code: CODE_SAMPLES.html });
      const page = await (await browser.createBrowserContext()).newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(url);
      await waitForEditor(page);
      // HTML itself: the tag name is a highlighted token.
      await waitForToken(page, "<h1", "h1");
      // JavaScript inside <script>: the string literal gets its own token.
      await waitForToken(page, "querySelector", '".title"');
      // CSS inside <style>: the colour value gets its own token.
      await waitForToken(page, "font-family", "#333");
      assert.deepEqual(errors, [], "no script errors in the page");
    } finally {
      await server.shutdown();
    }
  },
});
