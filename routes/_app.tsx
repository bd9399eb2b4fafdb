import type { VNode } from "preact";
import type { AppShellProps } from "../lib/web/render.tsx";

/** The HTML document around every page. */
export default function App(props: AppShellProps): VNode {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title === "Duet" ? "Duet" : `${props.title} · Duet`}</title>
        {props.description && <meta name="description" content={props.description} />}
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/styles.css" />
        {props.stylesheets.map((href) => <link rel="stylesheet" href={href} key={href} />)}
        {props.preloads.map((href) => <link rel="modulepreload" href={href} key={href} />)}
        {props.scripts.map((src) => <script type="module" src={src} key={src} />)}
      </head>
      <body>{props.children}</body>
    </html>
  );
}
