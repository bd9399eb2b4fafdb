/**
 * The languages inside HTML: `<script>` as JavaScript, `<style>` and style
 * attributes as CSS. Its own chunk, which the HTML mode (`./html.ts`) loads
 * once the editor is up, so that an HTML room first downloads HTML alone.
 *
 * @module
 */
import { cssLanguage } from "@codemirror/lang-css";
import { javascriptLanguage } from "@codemirror/lang-javascript";
import { configureNesting } from "@lezer/html";

// `<script>` without a type, or with one of these, holds JavaScript; other
// types (templates, JSON, …) stay text.
const SCRIPT_TYPES = new Set([
  "",
  "module",
  "text/javascript",
  "application/javascript",
  "text/ecmascript",
  "application/ecmascript",
]);

/** Nests JavaScript and CSS into the Lezer HTML parser (its `wrap`). */
export const htmlNesting = configureNesting(
  [
    {
      tag: "script",
      attrs: (attrs) => SCRIPT_TYPES.has((attrs.type ?? "").toLowerCase()),
      parser: javascriptLanguage.parser,
    },
    { tag: "style", parser: cssLanguage.parser },
  ],
  [{ name: "style", parser: cssLanguage.parser.configure({ top: "Styles" }) }],
);
