/**
 * The HTML editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * Built on the Lezer HTML grammar rather than @codemirror/lang-html, whose
 * language brings element and attribute tables for completion that Duet does
 * not use. Scripts and styles are highlighted as JavaScript and CSS, style
 * attributes as CSS, and typing the `>` of an opening tag adds its closing tag.
 *
 * The JavaScript and CSS parsers come in a second step (`./html_nested.ts`,
 * its own chunk): the room first shows HTML highlighting with this chunk
 * alone, and once the editor has been up for a second (or at once when it is
 * focused or pointed at), the mode loads the nested parsers and swaps in the
 * complete language, which re-highlights the scripts and styles.
 *
 * @module
 */
import { Compartment, type Extension } from "@codemirror/state";
import { EditorView, ViewPlugin } from "@codemirror/view";
import {
  indentNodeProp,
  LRLanguage,
  syntaxTree,
  type TreeIndentContext,
} from "@codemirror/language";
import { type configureNesting, parser } from "@lezer/html";

function elementIndent(context: TreeIndentContext): number {
  const base = context.lineIndent(context.node.from);
  // A line that starts with this element's closing tag lines up with its opening tag.
  return /^\s*<\//.test(context.textAfter) ? base : base + context.unit;
}

/** The HTML language; with `wrap`, JavaScript and CSS inside it. */
function defineHtml(wrap?: ReturnType<typeof configureNesting>): LRLanguage {
  return LRLanguage.define({
    name: "html",
    parser: parser.configure({
      props: [
        indentNodeProp.add({
          Element: elementIndent,
          // Attributes continued on the next lines of a long tag.
          "OpenTag SelfClosingTag": (context) => context.column(context.node.from) + context.unit,
        }),
      ],
      wrap,
    }),
    languageData: {
      commentTokens: { block: { open: "<!--", close: "-->" } },
      // Re-indent a line once its closing tag has been typed.
      indentOnInput: /^\s*<\/\w+\W$/,
      wordChars: "-._",
    },
  });
}

/** Holds the HTML language: first without nested languages, then with them. */
const languageSlot = new Compartment();
/** The complete language, once `./html_nested.ts` has loaded. */
let completeLanguage: LRLanguage | null = null;
let loadingNested: Promise<LRLanguage> | null = null;

function loadNested(): Promise<LRLanguage> {
  loadingNested ??= import("./html_nested.ts").then(
    ({ htmlNesting }) => completeLanguage = defineHtml(htmlNesting),
    (error: unknown) => {
      loadingNested = null;
      throw error;
    },
  );
  return loadingNested;
}

/**
 * How long after the editor is up the nested parsers load, unless the editor
 * is used first: the page's first download and paint stay HTML-only.
 */
const SETTLE_MS = 1000;

/** Swaps the complete language in once the editor has settled or is used; at once when it is already loaded. */
const nestedLoader = ViewPlugin.define((view) => {
  let destroyed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = (language: LRLanguage) => {
    if (destroyed || languageSlot.get(view.state) === language) return;
    view.dispatch({ effects: languageSlot.reconfigure(language) });
  };
  const load = () => {
    clearTimeout(timer);
    view.dom.removeEventListener("focusin", load);
    view.dom.removeEventListener("pointerdown", load);
    loadNested().then(apply, (error: unknown) => {
      console.warn("Could not load the JavaScript and CSS inside HTML", error);
    });
  };
  if (completeLanguage !== null) {
    queueMicrotask(() => apply(completeLanguage!));
  } else {
    timer = setTimeout(load, SETTLE_MS);
    view.dom.addEventListener("focusin", load);
    view.dom.addEventListener("pointerdown", load);
  }
  return {
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      view.dom.removeEventListener("focusin", load);
      view.dom.removeEventListener("pointerdown", load);
    },
  };
});

/** HTML alone, which the room shows first. */
const plainLanguage = defineHtml();

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
export const htmlMode: Extension = [
  // Set up again (switching back to HTML), the slot starts complete if it can.
  {
    get extension(): Extension {
      return languageSlot.of(completeLanguage ?? plainLanguage);
    },
  },
  closeTagOnInput,
  nestedLoader,
];
