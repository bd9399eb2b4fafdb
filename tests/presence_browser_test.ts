/**
 * Browser tests of seeing each other in a room: the save indicator offline,
 * names and colours on remote carets, the empty-room hint and the presence
 * list's activity.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { launchBrowser, typeAtEnd, waitForEditor } from "../testing/browser.ts";
import { startTestServer } from "./_server.ts";

async function createRoom(url: string, code: string, language = "javascript"): Promise<string> {
  const response = await fetch(`${url}/rooms`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, language }),
  });
  return (await response.json()).url;
}

/** A page in a browser context of its own (no shared storage or BroadcastChannel). */
async function newPerson(browser: Browser): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1100, height: 700 });
  return page;
}

async function saveText(page: Page): Promise<string> {
  return await page.$eval(
    "[data-testid=save-state]",
    (element) => element.firstChild?.textContent ?? "",
  );
}

Deno.test({
  name: "Browser – offline, the save indicator says Not saved, and Saved once back",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const page = await newPerson(browser);
    try {
      await page.goto(await createRoom(server.url, "let a = 1;\n"));
      await waitForEditor(page);
      await page.setOfflineMode(true);
      await page.waitForFunction(
        () => document.querySelector("[data-testid=status]")?.textContent === "Offline",
      );
      await typeAtEnd(page, "// typed offline");
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=save-state]")?.getAttribute("data-phase") !==
            "saved",
      );
      // Give a stuck "Saving…" the time it would need to show.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await saveText(page), "Not saved");
      assert.equal(
        await page.$eval(
          "[data-testid=save-state]",
          (element) => element.getAttribute("data-phase"),
        ),
        "unsaved",
      );
      await page.setOfflineMode(false);
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=save-state]")?.getAttribute("data-phase") ===
            "saved",
        { timeout: 20_000 },
      );
      assert.equal(await saveText(page), "Saved");
    } finally {
      await server.shutdown();
    }
  },
});
