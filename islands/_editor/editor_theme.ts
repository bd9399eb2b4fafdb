/**
 * How the editor looks. Colours come from CSS custom properties that
 * `static/editor.css` defines for light and dark mode, so only the syntax
 * palette and CodeMirror's dark flag have to follow `prefers-color-scheme`.
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

/** The media query that decides between the light and dark palettes. */
export const DARK_SCHEME_QUERY = "(prefers-color-scheme: dark)";

/** Layout, gutters, selection and remote-cursor styling shared by both schemes. */
export const editorTheme: Extension = EditorView.theme({
  "&": {
    height: "100%",
    color: "var(--duet-code-fg)",
    backgroundColor: "var(--duet-code-bg)",
    fontSize: "var(--duet-code-size)",
  },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: "var(--duet-mono)",
    lineHeight: "1.6",
  },
  ".cm-content": {
    caretColor: "var(--duet-caret)",
    paddingBlock: "1rem",
  },
  ".cm-cursor, .cm-dropCursor": {
    borderLeftColor: "var(--duet-caret)",
    borderLeftWidth: "2px",
  },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "var(--duet-selection)" },
  ".cm-activeLine": { backgroundColor: "var(--duet-active-line)" },
  ".cm-gutters": {
    backgroundColor: "var(--duet-code-bg)",
    color: "var(--duet-gutter-fg)",
    borderRight: "1px solid var(--duet-gutter-border)",
  },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 0.75rem 0 1rem" },
  ".cm-activeLineGutter": {
    backgroundColor: "var(--duet-active-line)",
    color: "var(--duet-code-fg)",
  },
  "&.cm-focused .cm-matchingBracket": {
    backgroundColor: "var(--duet-bracket)",
    outline: "1px solid var(--duet-bracket-outline)",
  },
  ".cm-selectionMatch": { backgroundColor: "var(--duet-selection-match)" },
  ".cm-panels": {
    backgroundColor: "var(--duet-panel-bg)",
    color: "var(--duet-code-fg)",
  },
  ".cm-ghostText": { pointerEvents: "none" },
  ".cm-ghostText::after": {
    content: "attr(data-ghost)",
    color: "var(--duet-ghost)",
    fontStyle: "italic",
    whiteSpace: "pre",
  },
});

/** A syntax palette that stays readable on the dark editor background. */
export const darkHighlightStyle: HighlightStyle = HighlightStyle.define([
  { tag: tags.comment, color: "#8b93a1", fontStyle: "italic" },
  {
    tag: [tags.keyword, tags.controlKeyword, tags.moduleKeyword],
    color: "#d4a5ff",
  },
  { tag: [tags.string, tags.inserted], color: "#a8d68b" },
  {
    tag: [tags.regexp, tags.escape, tags.special(tags.string)],
    color: "#f29e8e",
  },
  { tag: [tags.number, tags.bool, tags.atom, tags.null], color: "#f5b97a" },
  { tag: [tags.typeName, tags.className, tags.namespace], color: "#f0d37a" },
  {
    tag: [
      tags.definition(tags.variableName),
      tags.function(tags.variableName),
      tags.function(tags.propertyName),
    ],
    color: "#8cc4ff",
  },
  { tag: [tags.propertyName, tags.attributeName], color: "#9fd8d2" },
  { tag: [tags.tagName, tags.deleted], color: "#f28b82" },
  { tag: [tags.operator, tags.punctuation], color: "#b5bcc8" },
  {
    tag: [tags.meta, tags.macroName, tags.processingInstruction],
    color: "#9aa4b2",
  },
  { tag: tags.heading, color: "#8cc4ff", fontWeight: "bold" },
  { tag: tags.strong, fontWeight: "bold" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: [tags.link, tags.url], color: "#8cc4ff", textDecoration: "underline" },
  { tag: tags.invalid, color: "#ff7b72" },
]);

/** Syntax highlighting and CodeMirror's dark flag for one colour scheme. */
export function schemeExtension(dark: boolean): Extension {
  return [
    EditorView.darkTheme.of(dark),
    syntaxHighlighting(dark ? darkHighlightStyle : defaultHighlightStyle),
  ];
}
