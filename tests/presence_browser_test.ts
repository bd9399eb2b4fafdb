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
import { createRoom } from "../testing/rooms.ts";

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
      await page.goto((await createRoom(server.url, { code: "let a = 1;\n" })).url);
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

/** The labels on remote carets as a page shows them. */
async function caretLabels(
  page: Page,
): Promise<{ name: string; shown: boolean; opacity: number; placement: string }[]> {
  return await page.$$eval(".cm-ySelectionCaret", (carets) =>
    carets.map((caret) => {
      const label = caret.querySelector(".cm-ySelectionInfo");
      return {
        name: label?.textContent ?? "",
        shown: (caret as HTMLElement).dataset.label === "shown",
        opacity: label === null ? 0 : Number(getComputedStyle(label).opacity),
        placement: (caret as HTMLElement).dataset.placement ?? "",
      };
    }));
}

async function rename(page: Page, name: string): Promise<void> {
  await page.click("[data-testid=name]", { count: 3 });
  await page.keyboard.type(name);
}

Deno.test({
  name: "Browser – names on remote carets follow renames and show while their person types",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const alice = await newPerson(browser);
    const bob = await newPerson(browser);
    const errors: string[] = [];
    for (const page of [alice, bob]) page.on("pageerror", (error) => errors.push(String(error)));
    try {
      const roomUrl =
        (await createRoom(server.url, { code: "first line\nsecond line\nthird line\n" })).url;
      await alice.goto(roomUrl);
      await bob.goto(roomUrl);
      await Promise.all([waitForEditor(alice), waitForEditor(bob)]);
      await rename(bob, "Bob");

      await t.step("a caret on line 2 has its label above it, one caret per person", async () => {
        await bob.focus(".cm-content");
        await bob.keyboard.down("Control");
        await bob.keyboard.press("Home");
        await bob.keyboard.up("Control");
        await bob.keyboard.press("ArrowDown");
        await bob.keyboard.type("x");
        await alice.waitForFunction(() =>
          document.querySelector(".cm-ySelectionCaret .cm-ySelectionInfo")?.textContent === "Bob"
        );
        const labels = await caretLabels(alice);
        assert.equal(labels.length, 1, "one caret for Bob");
        assert.equal(labels[0].shown, true);
        assert.equal(labels[0].placement, "above");
        const [caret, label] = await alice.$eval(".cm-ySelectionCaret", (caret) => {
          const info = caret.querySelector(".cm-ySelectionInfo")!.getBoundingClientRect();
          const bar = caret.getBoundingClientRect();
          return [{ top: bar.top, bottom: bar.bottom }, { top: info.top, bottom: info.bottom }];
        });
        assert.ok(
          label.bottom <= caret.top + 1,
          `label above the caret: ${label.bottom} ≤ ${caret.top}`,
        );
      });

      await t.step("a rename reaches the caret without its person moving", async () => {
        await rename(bob, "Bobby Tables");
        await alice.waitForFunction(
          () =>
            document.querySelector(".cm-ySelectionCaret .cm-ySelectionInfo")?.textContent ===
              "Bobby Tables",
          { timeout: 5_000 },
        );
        assert.deepEqual((await caretLabels(alice)).map(({ name }) => name), ["Bobby Tables"]);
      });

      await t.step(
        "the label stays visible while its person keeps typing on one line",
        async () => {
          await bob.focus(".cm-content");
          await bob.keyboard.press("End");
          // Longer than a label shows after one keystroke, all on one line.
          for (let i = 0; i < 12; i++) {
            await bob.keyboard.type("y");
            await new Promise((resolve) => setTimeout(resolve, 450));
          }
          await alice.waitForFunction(() =>
            document.querySelector(".cm-content")?.textContent?.includes("yyyyyyyyyyyy")
          );
          const [label] = await caretLabels(alice);
          assert.equal(label.shown, true);
          assert.ok(label.opacity > 0.9, `label opacity ${label.opacity}`);
        },
      );

      await t.step(
        "once its person pauses the label hides, and it never hides a first line",
        async () => {
          await alice.waitForFunction(
            () =>
              (document.querySelector(".cm-ySelectionCaret") as HTMLElement | null)?.dataset
                .label === "hidden",
            { timeout: 10_000 },
          );
          await bob.keyboard.down("Control");
          await bob.keyboard.press("Home");
          await bob.keyboard.up("Control");
          await alice.waitForFunction(() =>
            (document.querySelector(".cm-ySelectionCaret") as HTMLElement | null)?.dataset
              .placement === "below"
          );
          const { caret, label } = await alice.$eval(".cm-ySelectionCaret", (caret) => ({
            caret: caret.getBoundingClientRect().toJSON(),
            label: caret.querySelector(".cm-ySelectionInfo")!.getBoundingClientRect().toJSON(),
          }));
          assert.ok(
            label.top >= caret.bottom - 1,
            "on the first line the label is below the caret",
          );
          assert.equal((await caretLabels(alice))[0].shown, true, "moving shows it again");
        },
      );
      assert.deepEqual(errors, []);
    } finally {
      await server.shutdown();
    }
  },
});
