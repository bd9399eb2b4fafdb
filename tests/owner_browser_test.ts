/**
 * Links and the owner in Chromium: the creator's page keeps the owner key,
 * a read-only visitor sees edits live and cannot type, and the owner's lock
 * turns the others read-only until unlocked.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { editorText, launchBrowser, typeAtEnd, waitForEditor } from "../testing/browser.ts";
import { startTestServer } from "./_server.ts";

/** Waits for the live editor and a connected socket, editable or not. */
async function waitForLiveEditor(page: Page): Promise<void> {
  await page.waitForSelector(".duet-editor[data-editor=live] .cm-content", { timeout: 15_000 });
  await page.waitForFunction(
    () => document.querySelector("[data-testid=status]")?.textContent === "Connected",
    { timeout: 15_000 },
  );
}

function editable(page: Page): Promise<string | null> {
  return page.$eval(".cm-content", (element) => element.getAttribute("contenteditable"));
}

function accessNote(page: Page): Promise<string | null> {
  return page.$eval("[data-testid=access]", (element) => element.textContent).catch(() => null);
}

async function waitForText(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector(".cm-content")?.textContent?.includes(expected),
    { timeout: 15_000 },
    text,
  );
}

Deno.test({
  name: "Browser – read-only link and the owner's lock",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const owner = await (await browser.createBrowserContext()).newPage();
    const guest = await (await browser.createBrowserContext()).newPage();
    const viewer = await (await browser.createBrowserContext()).newPage();
    const errors: string[] = [];
    for (const page of [owner, guest, viewer]) {
      page.on("pageerror", (error) => errors.push(String(error)));
    }
    try {
      let editUrl = "";
      let viewUrl = "";
      await t.step(
        "the creator's page keeps the owner key and drops it from the address",
        async () => {
          await owner.goto(`${server.url}/`);
          await Promise.all([owner.waitForNavigation(), owner.click("form.create-room button")]);
          await waitForEditor(owner);
          editUrl = owner.url();
          assert.match(editUrl, /\/room\/[0-9A-Za-z]{22}$/, "no #owner= left in the address");
          const kept = await owner.evaluate(() =>
            Object.keys(localStorage).filter((key) => key.startsWith("duet.ownerKey."))
          );
          assert.equal(kept.length, 1);
          assert.match(
            await owner.$eval("[data-testid=kept-until]", (e) => e.textContent ?? ""),
            /Kept until \d{4}-\d\d-\d\d/,
          );
        },
      );

      await t.step("owner settings load when opened and show the read-only link", async () => {
        await owner.click("[data-testid=owner-settings]");
        await owner.waitForSelector("[data-testid=owner-view-url]", { timeout: 15_000 });
        viewUrl = await owner.$eval(
          "[data-testid=owner-view-url]",
          (e) => (e as HTMLInputElement).value,
        );
        assert.match(viewUrl, /\/room\/[0-9A-Za-z]{22}$/);
        assert.notEqual(viewUrl, editUrl);
      });

      await t.step("a read-only visitor sees edits live and cannot type", async () => {
        await viewer.goto(viewUrl);
        await waitForLiveEditor(viewer);
        assert.equal(await editable(viewer), "false");
        assert.equal(await accessNote(viewer), "View only");
        await typeAtEnd(owner, "\nowner-typed");
        await waitForText(viewer, "owner-typed");
        const before = await editorText(viewer);
        await viewer.focus(".cm-content");
        await viewer.keyboard.type("viewer-typed");
        assert.equal(await editorText(viewer), before, "the read-only editor took no typing");
        assert.ok(!(await editorText(owner)).includes("viewer-typed"));
      });

      await t.step("the owner's lock makes the guest read-only, live, until unlocked", async () => {
        await guest.goto(editUrl);
        await waitForEditor(guest);
        await owner.click("[data-testid=owner-lock]");
        await guest.waitForFunction(
          () => document.querySelector(".cm-content")?.getAttribute("contenteditable") === "false",
          { timeout: 15_000 },
        );
        assert.equal(await accessNote(guest), "Locked by the owner: view only");
        await owner.waitForFunction(
          () =>
            document.querySelector("[data-testid=access]")?.textContent === "Locked: only you edit",
          { timeout: 15_000 },
        );
        assert.equal(await editable(owner), "true", "the owner still edits");
        await typeAtEnd(owner, "\nwhile-locked");
        await waitForText(guest, "while-locked");

        await owner.click("[data-testid=owner-lock]");
        await guest.waitForFunction(
          () => document.querySelector(".cm-content")?.getAttribute("contenteditable") === "true",
          { timeout: 15_000 },
        );
        await typeAtEnd(guest, "\nguest-after-unlock");
        await waitForText(owner, "guest-after-unlock");
      });
      assert.deepEqual(errors, []);
    } finally {
      await server.shutdown();
    }
  },
});
