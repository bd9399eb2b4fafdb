import type { ComponentChild, ComponentChildren, ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AssetManifest } from "./assets.ts";
import { IslandCollector } from "./islands.tsx";

/** Props every page component receives. */
export interface PageProps<Data = undefined> {
  data: Data;
  url: URL;
  params: Record<string, string>;
}

/** What a page sets in the document head and status line. */
export interface PageOptions {
  title: string;
  description?: string;
  status?: number;
}

/** Props of the document shell, `routes/_app.tsx`. */
export interface AppShellProps {
  title: string;
  description?: string;
  /** The stylesheets of the islands on the page (the shell adds its own). */
  stylesheets: string[];
  scripts: string[];
  preloads: string[];
  children: ComponentChildren;
}

/**
 * Renders a page into a full HTML document: the page first (collecting the
 * islands it uses), then the shell with those islands' scripts.
 */
export function renderDocument(
  shell: ComponentType<AppShellProps>,
  page: ComponentChild,
  options: PageOptions & {
    assets: AssetManifest;
    /** Stylesheets that come with an island (its module's `stylesheets`), by island name. */
    islandStylesheets?: Readonly<Record<string, readonly string[]>>;
  },
): string {
  const islands = new Set<string>();
  const body = renderToString(
    <IslandCollector.Provider value={islands}>{page}</IslandCollector.Provider>,
  );
  const scripts: string[] = [];
  const preloads: string[] = [];
  const stylesheets: string[] = [];
  for (const name of islands) {
    const asset = options.assets.islands[name];
    if (!asset) throw new Error(`Island ${name} is not built: run \`deno task build\``);
    scripts.push(asset.src);
    preloads.push(...asset.imports);
    stylesheets.push(...options.islandStylesheets?.[name] ?? []);
  }
  const Shell = shell;
  // The shell is rendered around a placeholder that is then replaced by the
  // page's markup, so each part is rendered once and no raw HTML is injected.
  const placeholder = `duet-page-${crypto.randomUUID()}`;
  const document = renderToString(
    <Shell
      title={options.title}
      description={options.description}
      stylesheets={stylesheets}
      scripts={scripts}
      preloads={preloads}
    >
      <div id="page">{placeholder}</div>
    </Shell>,
  );
  return "<!DOCTYPE html>" + document.replace(placeholder, () => body);
}
