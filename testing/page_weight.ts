import type { Browser, Page } from "puppeteer-core";
import { waitForEditor } from "./browser.ts";

/** The JavaScript a page downloaded, in bytes as sent (gzipped). */
export interface JavascriptWeight {
  /** All files together. */
  bytes: number;
  /** Paths of the files, in the order they arrived. */
  files: string[];
  /** Bytes of each file as sent, by path. */
  sizes: Map<string, number>;
}

/** Options for {@linkcode javascriptWeight}. */
export interface JavascriptWeightOptions {
  /** For a room: also wait until the editor shows highlighted code, i.e. its language mode is in use. */
  highlighted?: boolean;
  /** Runs once a room's editor is ready (focus it, type…); what that downloads counts too. */
  interact?: (page: Page) => Promise<void>;
}

/**
 * Bytes of JavaScript a page downloads (as sent: gzipped), until it is idle,
 * in a fresh browser context (nothing cached). For a room page, until the
 * editor is ready and the network has been idle for 300 ms.
 */
export async function javascriptWeight(
  browser: Browser,
  url: string,
  options: JavascriptWeightOptions = {},
): Promise<JavascriptWeight> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const sizes = new Map<string, number>();
    const problems: string[] = [];
    page.on("response", (response) => {
      const headers = response.headers();
      if (!(headers["content-type"] ?? "").includes("javascript")) return;
      const path = new URL(response.url()).pathname;
      // The budgets are in gzip bytes; another encoding would be measured wrongly.
      const encoding = headers["content-encoding"] ?? "identity";
      if (encoding !== "gzip" && encoding !== "identity") {
        problems.push(`${path} came with content-encoding ${encoding}`);
      }
      if (headers["content-length"] === undefined) problems.push(`${path} has no content-length`);
      sizes.set(path, Number(headers["content-length"] ?? "0"));
    });
    await page.goto(url, { waitUntil: "networkidle0" });
    if (url.includes("/room/")) {
      await waitForEditor(page);
      if (options.highlighted) {
        // CodeMirror marks highlighted tokens with generated classes.
        await page.waitForSelector(".cm-content .cm-line span[class]", { timeout: 15_000 });
      }
      if (options.interact) await options.interact(page);
      await page.waitForNetworkIdle({ idleTime: 300 });
    }
    if (problems.length > 0) throw new Error(problems.join("; "));
    return {
      bytes: [...sizes.values()].reduce((sum, size) => sum + size, 0),
      files: [...sizes.keys()],
      sizes,
    };
  } finally {
    await context.close();
  }
}
