/**
 * Regenerates `docs/screenshot.png`: two people in a Python room, seen by one
 * of them, with the other's caret and name, the presence list and the save
 * indicator. Starts its own Duet on a loopback port with an in-memory
 * database; run `deno task build` first.
 *
 * ```sh
 * deno run -A scripts/screenshot.ts [path.png]
 * ```
 *
 * @module
 */
import type { Page } from "puppeteer-core";
import { loadConfig } from "../lib/ops/config.ts";
import { silentLogger } from "../lib/ops/logger.ts";
import { startServer } from "../main.ts";
import { launchBrowser, waitForEditor } from "../testing/browser.ts";

const CODE = `def fizzbuzz(n: int) -> list[str]:
    """Return the FizzBuzz sequence up to n."""
    out = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    return out


if __name__ == "__main__":
    print(fizzbuzz(15))
`;

async function rename(page: Page, name: string): Promise<void> {
  await page.click("[data-testid=name]", { count: 3 });
  await page.keyboard.type(name);
}

/** Puts the caret at the end of a 1-based line. */
async function goToLineEnd(page: Page, line: number): Promise<void> {
  await page.focus(".cm-content");
  await page.keyboard.down("Control");
  await page.keyboard.press("Home");
  await page.keyboard.up("Control");
  for (let i = 1; i < line; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
}

const output = Deno.args[0] ?? "docs/screenshot.png";
const server = await startServer({
  ...loadConfig({}),
  hostname: "127.0.0.1",
  port: 0,
  dataDir: "memory://",
}, { logger: silentLogger });
try {
  const response = await fetch(`${server.url}/rooms`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code: CODE, language: "python" }),
  });
  const { url } = await response.json();
  await using browser = await launchBrowser();
  const [ada, grace] = await Promise.all([1, 2].map(async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setViewport({ width: 1280, height: 760 });
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
    return page;
  }));
  await ada.goto(url);
  await waitForEditor(ada);
  await rename(ada, "Ada");
  await grace.goto(url);
  await waitForEditor(grace);
  await rename(grace, "Grace");
  // Ada adds a comment (and waits until it is saved); Grace types on a line below.
  await goToLineEnd(ada, 6);
  await ada.keyboard.type("  # fifteen");
  await ada.waitForFunction(
    () =>
      document.querySelector("[data-testid=save-state]")?.getAttribute("data-phase") === "saved",
  );
  await goToLineEnd(grace, 13);
  await grace.keyboard.type("  # three");
  await ada.waitForFunction(() =>
    (document.querySelector(".cm-ySelectionCaret") as HTMLElement | null)?.dataset.label ===
      "shown" && document.querySelector(".cm-content")?.textContent?.includes("# three")
  );
  // Let the label's fade-in finish.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await ada.screenshot({ path: output as `${string}.png` });
  console.log(`wrote ${output}`);
} finally {
  await server.shutdown();
}
