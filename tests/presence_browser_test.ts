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
import { connect } from "./_socket_client.ts";
import { PRESENCE_COLORS } from "../islands/_editor/presence.ts";

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

/** The colour each person wears, as `page` lists them. */
async function presenceColors(page: Page): Promise<string[]> {
  return await page.$$eval(
    "[data-testid=presence] li .duet-person__dot",
    (dots) =>
      dots.map((dot) => {
        // Computed colours read rgb(r, g, b); back to #rrggbb.
        const [r, g, b] = getComputedStyle(dot).backgroundColor.match(/\d+/g)!.map(Number);
        return "#" + [r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("");
      }),
  );
}

Deno.test({
  name: "Browser – newcomers get distinct colours; a picked colour is shown and remembered",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const people = [await newPerson(browser), await newPerson(browser)];
    const roomUrl = (await createRoom(server.url, { code: "x\n" })).url;
    const roomId = roomUrl.split("/").at(-1)!;
    // Eleven others over raw sockets, each wearing one palette colour but the last.
    const others = PRESENCE_COLORS.slice(0, -1).map(() => connect(server, roomId));
    try {
      await t.step("a newcomer takes the colour nobody in the room wears", async () => {
        await Promise.all(others.map((other) => other.joined));
        others.forEach((other, i) =>
          other.socket.send(
            other.peer.presence({ user: { name: `Other ${i}`, color: PRESENCE_COLORS[i] } }),
          )
        );
        const [alice] = people;
        await alice.goto(roomUrl);
        await waitForEditor(alice);
        await alice.waitForFunction(
          (count) => document.querySelectorAll("[data-testid=presence] li").length === count,
          {},
          others.length + 1,
        );
        await alice.waitForFunction(
          (color) =>
            (document.querySelector(
                "[data-testid=presence] li[data-self=true] .duet-person__dot",
              ) as HTMLElement | null)?.style.backgroundColor !== "" &&
            getComputedStyle(
                document.querySelector(
                  "[data-testid=presence] li[data-self=true] .duet-person__dot",
                )!,
              ).backgroundColor ===
              `rgb(${[1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)).join(", ")})`,
          { timeout: 5_000 },
          PRESENCE_COLORS.at(-1)!,
        );
        assert.equal((await presenceColors(alice))[0], PRESENCE_COLORS.at(-1));
      });

      await t.step("the next newcomer wears one not yet worn twice", async () => {
        for (const other of others.slice(0, 6)) other.close();
        const [alice, bob] = people;
        await alice.waitForFunction(
          () => document.querySelectorAll("[data-testid=presence] li").length === 6,
        );
        await bob.goto(roomUrl);
        await waitForEditor(bob);
        await bob.waitForFunction(
          () => document.querySelectorAll("[data-testid=presence] li").length === 7,
        );
        // Colours 0–5 are free again; Bob takes one of them.
        await bob.waitForFunction(
          (free) =>
            free.includes(
              "#" +
                getComputedStyle(
                  document.querySelector(
                    "[data-testid=presence] li[data-self=true] .duet-person__dot",
                  )!,
                ).backgroundColor.match(/\d+/g)!.map((c) => Number(c).toString(16).padStart(2, "0"))
                  .join(""),
            ),
          { timeout: 5_000 },
          PRESENCE_COLORS.slice(0, 6),
        );
      });

      await t.step("picking a colour shows it to the others and survives a reload", async () => {
        const [alice, bob] = people;
        await alice.click(".duet-colors__summary");
        await alice.waitForSelector("[data-testid=colors] input", { visible: true });
        const swatches = await alice.$$eval(
          "[data-testid=colors] input",
          (inputs) => inputs.map((input) => (input as HTMLInputElement).value),
        );
        assert.ok(swatches.length >= 12, `a palette of ${swatches.length}`);
        const [mine] = await presenceColors(alice);
        const pick = swatches.find((color) => color !== mine)!;
        await alice.click(`[data-testid=colors] input[value="${pick}"]`);
        await bob.waitForFunction(
          (pick) =>
            [...document.querySelectorAll<HTMLElement>("[data-testid=presence] li")].some((li) =>
              li.dataset.self === "false" &&
              getComputedStyle(li.querySelector(".duet-person__dot")!).backgroundColor ===
                `rgb(${[1, 3, 5].map((i) => parseInt(pick.slice(i, i + 2), 16)).join(", ")})`
            ),
          {},
          pick,
        );
        await alice.reload();
        await waitForEditor(alice);
        await alice.waitForFunction(() =>
          document.querySelector("[data-testid=presence] li[data-self=true]") !== null
        );
        assert.equal((await presenceColors(alice))[0], pick, "the choice is remembered");
      });
    } finally {
      for (const other of others) other.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Browser – a new room has the editor focused and invites until a second person arrives",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const alice = await newPerson(browser);
    const bob = await newPerson(browser);
    try {
      await alice.goto(`${server.url}/`);
      await Promise.all([alice.waitForNavigation(), alice.click("form.create-room button")]);
      await waitForEditor(alice);
      await alice.waitForFunction(() =>
        document.activeElement?.classList.contains("cm-content") === true
      );
      const roomUrl = alice.url().split("#")[0];
      assert.match(roomUrl, /\/room\/[0-9A-Za-z]{22}$/);
      await alice.waitForSelector("[data-testid=invite]");
      const hint = await alice.$eval("[data-testid=invite]", (element) => element.textContent);
      assert.match(hint ?? "", /Share this link to invite someone/);
      assert.equal(
        await alice.$eval(
          "[data-testid=invite-link]",
          (input) => (input as HTMLInputElement).value,
        ),
        roomUrl,
      );
      assert.ok(await alice.$("[data-testid=invite-copy]"), "with a copy button");
      // Typing goes straight into the editor.
      await alice.keyboard.type("hello");
      await alice.waitForFunction(() =>
        document.querySelector(".cm-content")?.textContent?.includes("hello")
      );

      await bob.goto(roomUrl);
      await waitForEditor(bob);
      await alice.waitForFunction(() => document.querySelector("[data-testid=invite]") === null);
      assert.equal(await bob.$("[data-testid=invite]"), null, "Bob is not alone either");
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Browser – the presence list shows who is typing and who is away",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    await using browser = await launchBrowser();
    const alice = await newPerson(browser);
    const bobContext = await browser.createBrowserContext();
    const bob = await bobContext.newPage();
    try {
      const roomUrl = (await createRoom(server.url, { code: "x\n" })).url;
      await alice.goto(roomUrl);
      await bob.goto(roomUrl);
      await Promise.all([waitForEditor(alice), waitForEditor(bob)]);
      const bobsActivity = () =>
        alice.$eval(
          "[data-testid=presence] li[data-self=false]",
          (li) => (li as HTMLElement).dataset.activity,
        );
      await alice.waitForSelector("[data-testid=presence] li[data-self=false]");
      assert.equal(await bobsActivity(), "active");
      await typeAtEnd(bob, "typing");
      await alice.waitForFunction(() =>
        document.querySelector("[data-testid=presence] li[data-self=false] [data-testid=activity]")
          ?.textContent === "typing…"
      );
      // It ends a few seconds after the last key.
      await alice.waitForFunction(
        () =>
          (document.querySelector("[data-testid=presence] li[data-self=false]") as HTMLElement)
            ?.dataset.activity === "active",
        { timeout: 10_000 },
      );
      // Another tab in front hides Bob's page.
      const other = await bobContext.newPage();
      await other.bringToFront();
      await alice.waitForFunction(() =>
        document.querySelector("[data-testid=presence] li[data-self=false] [data-testid=activity]")
          ?.textContent === "away"
      );
      await bob.bringToFront();
      await alice.waitForFunction(() =>
        (document.querySelector("[data-testid=presence] li[data-self=false]") as HTMLElement)
          ?.dataset.activity === "active"
      );
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "Browser – a remote caret at the end of a line is drawn there, not on the next line",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
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
      // Bob ends line 2 with what he types; his own cursor stays at its end.
      await bob.focus(".cm-content");
      await bob.keyboard.down("Control");
      await bob.keyboard.press("Home");
      await bob.keyboard.up("Control");
      await bob.keyboard.press("ArrowDown");
      await bob.keyboard.press("End");
      await bob.keyboard.type("!?");
      await alice.waitForFunction(() =>
        document.querySelector(".cm-content")?.textContent?.includes("second line!?") &&
        document.querySelector(".cm-ySelectionCaret") !== null
      );
      // Give a late cursor update the time to arrive before measuring.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const placed = await alice.$eval(".cm-content", (content) => {
        // deno-lint-ignore no-explicit-any
        const view = (content as any).cmTile.root.view;
        const line = view.state.doc.line(2);
        const end = view.coordsAtPos(line.to, -1);
        const start = view.coordsAtPos(line.from, 1);
        const caret = document.querySelector(".cm-ySelectionCaret")!.getBoundingClientRect();
        return {
          lineEnd: line.to,
          end: { left: end.left, top: end.top, bottom: end.bottom },
          start: { left: start.left },
          caret: { left: caret.left, top: caret.top, bottom: caret.bottom },
        };
      });
      const middle = (placed.caret.top + placed.caret.bottom) / 2;
      assert.ok(
        middle > placed.end.top && middle < placed.end.bottom,
        `Bob's caret on line 2 (${placed.end.top}–${placed.end.bottom}), ` +
          `not at ${placed.caret.top}–${placed.caret.bottom}`,
      );
      assert.ok(
        Math.abs(placed.caret.left - placed.end.left) <= 3,
        `Bob's caret at the end of line 2 (x ${placed.end.left}), not at x ${placed.caret.left}`,
      );
      // Its label lies over line 1: small and see-through, so line 1 stays readable.
      const label = await alice.$eval(".cm-ySelectionInfo", (info) => ({
        height: info.getBoundingClientRect().height,
        background: getComputedStyle(info).backgroundColor,
      }));
      const lineHeight = placed.end.bottom - placed.end.top;
      assert.ok(label.height <= lineHeight * 0.75, `label ${label.height}px, line ${lineHeight}px`);
      const alpha = /rgba\([^)]*,\s*([\d.]+)\)/.exec(label.background)?.[1];
      assert.ok(alpha !== undefined && Number(alpha) < 0.8, `label background ${label.background}`);
      assert.deepEqual(errors, []);
    } finally {
      await server.shutdown();
    }
  },
});
