/**
 * The Markdown editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * GitHub-flavoured Markdown without `markdown()`'s HTML support: HTML blocks
 * are shown as HTML, not parsed, so that a Markdown room does not download
 * the HTML, CSS and JavaScript parsers.
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { markdownKeymap, markdownLanguage, pasteURLAsLink } from "@codemirror/lang-markdown";

/**
 * Markdown highlighting, Enter and Backspace that continue and remove list
 * markup, and pasting a link over selected text makes a Markdown link.
 */
export const markdownMode: Extension = [
  markdownLanguage,
  Prec.high(keymap.of(markdownKeymap)),
  pasteURLAsLink,
];
