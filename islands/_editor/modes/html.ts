/**
 * The HTML editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * Built on the Lezer HTML grammar rather than @codemirror/lang-html, whose
 * language brings element and attribute tables for completion that Duet does
 * not use. Scripts and styles are highlighted as JavaScript and CSS, style
 * attributes as CSS, and typing the `>` of an opening tag adds its closing tag.
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import {
  indentNodeProp,
  LRLanguage,
  syntaxTree,
  type TreeIndentContext,
} from "@codemirror/language";
import { cssLanguage } from "@codemirror/lang-css";
import { javascriptLanguage } from "@codemirror/lang-javascript";
import { configureNesting, parser } from "@lezer/html";

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

function elementIndent(context: TreeIndentContext): number {
  const base = context.lineIndent(context.node.from);
  // A line that starts with this element's closing tag lines up with its opening tag.
  return /^\s*<\//.test(context.textAfter) ? base : base + context.unit;
}

/** The HTML language, with JavaScript and CSS inside it. */
const htmlLanguage = LRLanguage.define({
  name: "html",
  parser: parser.configure({
    props: [
      indentNodeProp.add({
        Element: elementIndent,
        // Attributes continued on the next lines of a long tag.
        "OpenTag SelfClosingTag": (context) => context.column(context.node.from) + context.unit,
      }),
    ],
    wrap: configureNesting(
      [
        {
          tag: "script",
          attrs: (attrs) => SCRIPT_TYPES.has((attrs.type ?? "").toLowerCase()),
          parser: javascriptLanguage.parser,
        },
        { tag: "style", parser: cssLanguage.parser },
      ],
      [{ name: "style", parser: cssLanguage.parser.configure({ top: "Styles" }) }],
    ),
  }),
  languageData: {
    commentTokens: { block: { open: "<!--", close: "-->" } },
    // Re-indent a line once its closing tag has been typed.
    indentOnInput: /^\s*<\/\w+\W$/,
    wordChars: "-._",
  },
});

/** Typing `>` at the end of an opening tag also inserts the matching closing tag. */
const closeTagOnInput = EditorView.inputHandler.of((view, from, to, text) => {
  if (text !== ">" || from !== to || view.composing || view.state.readOnly) return false;
  let node = syntaxTree(view.state).resolveInner(from, -1);
  // Inside a quoted attribute value that is still open, `>` is just text.
  if (node.name === "AttributeValue") {
    const value = view.state.sliceDoc(node.from, node.to);
    if (value.length < 2 || value[0] !== value[value.length - 1]) return false;
  }
  while (node.parent !== null && node.name !== "OpenTag") {
    if (node.name === "Element" || node.name === "Document") return false;
    node = node.parent;
  }
  // Only an opening tag without its `>` yet, typed after its name and
  // attributes (the unfinished tag runs on over the whitespace after them).
  if (node.name !== "OpenTag" || node.lastChild?.name === "EndTag") return false;
  const nameNode = node.getChild("TagName");
  const element = node.parent;
  if (nameNode === null || element === null || from < nameNode.to) return false;
  if (view.state.sliceDoc(from, node.to).trim() !== "") return false;
  const name = view.state.sliceDoc(nameNode.from, nameNode.to);
  // Already closed, for instance when retyping the end of an existing tag.
  if (element.lastChild?.name === "CloseTag") return false;
  view.dispatch({
    changes: { from, insert: `></${name}>` },
    selection: { anchor: from + 1 },
    userEvent: "input.type",
  });
  return true;
});

/** HTML highlighting and indentation, with closing tags added as you type. */
export const htmlMode: Extension = [htmlLanguage, closeTagOnInput];
