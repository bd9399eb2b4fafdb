/**
 * Syntax colours for the dark scheme, in a chunk of its own: a page shown in
 * light never downloads them (see `loadDarkHighlight` in `editor_theme.ts`).
 *
 * @module
 */
import { HighlightStyle } from "@codemirror/language";
import { tags } from "@lezer/highlight";

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
