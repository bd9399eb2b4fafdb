import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Chromium's path: `CHROME_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return Deno.env.get("CHROME_PATH") ?? "/usr/bin/chromium";
}

/** A headless Chromium with a fresh profile, removed on close. */
export async function launchBrowser(): Promise<
  Browser & { [Symbol.asyncDispose](): Promise<void> }
> {
  const userDataDir = await Deno.makeTempDir({ prefix: "duet-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return Object.assign(browser, {
    async [Symbol.asyncDispose]() {
      await browser.close();
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    },
  });
}

/** The editor's text as the page shows it. */
export function editorText(page: Page): Promise<string> {
  return page.$$eval(".cm-content .cm-line", (lines) =>
    lines.map((line) => {
      // Remote carets carry their owner's name; they are not part of the text.
      const copy = line.cloneNode(true) as Element;
      for (const caret of copy.querySelectorAll(".cm-ySelectionCaret")) caret.remove();
      return copy.textContent;
    }).join("\n"));
}

/** Waits until the editor has replaced the server-rendered code and is connected. */
export async function waitForEditor(page: Page): Promise<void> {
  await page.waitForSelector(".duet-editor[data-editor=live] .cm-content[contenteditable=true]", {
    timeout: 15_000,
  });
  await page.waitForFunction(
    () => document.querySelector("[data-testid=status]")?.textContent === "Connected",
    { timeout: 15_000 },
  );
}

/** Types into the editor at the end of the document. */
export async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.focus(".cm-content");
  await page.keyboard.down("Control");
  await page.keyboard.press("End");
  await page.keyboard.up("Control");
  await page.keyboard.type(text);
}
