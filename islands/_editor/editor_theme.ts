/**
 * How the editor looks. Colours come from CSS custom properties that
 * `static/editor.css` defines for light and dark mode, so only the syntax
 * palette and CodeMirror's dark flag have to follow `prefers-color-scheme`.
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import {
  defaultHighlightStyle,
  type HighlightStyle,
  syntaxHighlighting,
} from "@codemirror/language";

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

let darkHighlight: HighlightStyle | null = null;
let loadingDarkHighlight: Promise<HighlightStyle> | null = null;

/**
 * Loads the dark scheme's syntax colours (once); `schemeExtension` uses them
 * from then on. Light pages never call this.
 */
export function loadDarkHighlight(): Promise<HighlightStyle> {
  loadingDarkHighlight ??= import("./dark_highlight.ts").then(
    ({ darkHighlightStyle }) => darkHighlight = darkHighlightStyle,
    (error: unknown) => {
      loadingDarkHighlight = null;
      throw error;
    },
  );
  return loadingDarkHighlight;
}

/**
 * Syntax highlighting and CodeMirror's dark flag for one colour scheme. In
 * dark, until `loadDarkHighlight` has settled, code shows in the plain code
 * colour (as before its language mode has loaded); the caller reconfigures
 * once it has.
 */
export function schemeExtension(dark: boolean): Extension {
  if (!dark) return [EditorView.darkTheme.of(false), syntaxHighlighting(defaultHighlightStyle)];
  return [
    EditorView.darkTheme.of(true),
    darkHighlight === null ? [] : syntaxHighlighting(darkHighlight),
  ];
}
