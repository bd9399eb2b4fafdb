/**
 * VS Code key bindings, in their own chunk: loaded only for someone who chose
 * them (see `../key_bindings.ts`).
 *
 * CodeMirror's default keymap already follows VS Code for most keys (moving
 * and copying lines, Mod-/ comments, Mod-[ and Mod-] indentation, Mod-d and
 * Mod-Shift-l from search, Shift-Mod-k deleting a line). These are the keys of
 * `@replit/codemirror-vscode-keymap` that differ. That package itself is not
 * used: its table also binds the completion list and the lint panel, so it
 * imports `@codemirror/autocomplete`'s completion UI and `@codemirror/lint`,
 * neither of which Duet has; their use of `@codemirror/view`'s tooltips and
 * hover code puts that code into the view chunk every room loads (esbuild
 * keeps a package's single module whole), 5.7 kB gzipped over the room's
 * 150 kB budget for a choice most people never make.
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import {
  addCursorAbove,
  addCursorBelow,
  insertBlankLine,
  lineComment,
  lineUncomment,
  selectLine,
} from "@codemirror/commands";

/** VS Code's shortcuts where they differ from CodeMirror's defaults. */
export const vscodeBindings: Extension = Prec.high(keymap.of([
  { key: "Mod-l", run: selectLine, preventDefault: true },
  { key: "Mod-k Mod-c", run: lineComment, preventDefault: true },
  { key: "Mod-k Mod-u", run: lineUncomment, preventDefault: true },
  { key: "Mod-Alt-ArrowUp", run: addCursorAbove, preventDefault: true },
  { key: "Mod-Alt-ArrowDown", run: addCursorBelow, preventDefault: true },
  { key: "Mod-Enter", run: insertBlankLine, preventDefault: true },
]));
