import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { launchBrowser, typeAtEnd, waitForEditor } from "../testing/browser.ts";
import { startTestServer } from "./_server.ts";
import { createRoom } from "../testing/rooms.ts";

async function status(page: Page): Promise<{ text: string; phase: string }> {
  return await page.$eval("[data-testid=status]", (element) => ({
    text: element.textContent ?? "",
    phase: element.getAttribute("data-phase") ?? "",
  }));
}

Deno.test({
  name: "Browser – the page says why a limit ended the session",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startTestServer({
      limits: { maxPeoplePerRoom: 1, maxDocumentBytes: 64 },
    });
    await using browser = await launchBrowser();
    const alice = await (await browser.createBrowserContext()).newPage();
    const bob = await (await browser.createBrowserContext()).newPage();
    try {
      await t.step("a full room says so", async () => {
        const roomUrl = (await createRoom(server.url, { code: "let a = 1;\n" })).url;
        await alice.goto(roomUrl);
        await waitForEditor(alice);
        await bob.goto(roomUrl);
        await bob.waitForFunction(
          () => document.querySelector("[data-testid=status]")?.textContent?.startsWith("Room"),
          { timeout: 15_000 },
        );
        assert.deepEqual(await status(bob), { text: "Room is full (1 person)", phase: "closed" });
        assert.equal((await status(alice)).text, "Connected");
      });

      await t.step("a room at its size limit says so, and keeps the code within it", async () => {
        await bob.close();
        const roomUrl = (await createRoom(server.url, { code: "x".repeat(60) })).url;
        await alice.goto(roomUrl);
        await waitForEditor(alice);
        await typeAtEnd(alice, "yyyyyyyyyy");
        await alice.waitForFunction(
          () => document.querySelector("[data-testid=status]")?.textContent?.startsWith("This"),
          { timeout: 15_000 },
        );
        const { text, phase } = await status(alice);
        assert.equal(phase, "closed");
        assert.match(text, /^This room has reached its size limit \(64 bytes\)/);
        // Keystrokes up to the limit went in; the one past it did not.
        const stored = await (await fetch(roomUrl.replace("/room/", "/rooms/"))).json();
        assert.match(stored.code, /^x{60}y*$/);
        assert.ok(stored.code.length <= 64);
      });
    } finally {
      await server.shutdown();
    }
  },
});
