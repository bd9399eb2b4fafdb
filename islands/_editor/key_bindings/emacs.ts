/**
 * Emacs key bindings, in their own chunk: loaded only for someone who chose
 * them (see `../key_bindings.ts`).
 *
 * These are CodeMirror's own Emacs-style bindings (`emacsStyleKeymap`:
 * Ctrl-b/f/p/n, Ctrl-a/e, Ctrl-d/h, Ctrl-k, Ctrl-t, Ctrl-o, Ctrl-v, Alt-v),
 * which CodeMirror otherwise applies on macOS only. `@replit/codemirror-emacs`
 * would add the mark and the kill ring, but it cannot be bundled: its build
 * marks the calls that register its key table and commands
 * `/*@__PURE__*\/`, so a minifying bundler (ours: esbuild) drops them and not
 * one of its keys does anything.
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { emacsStyleKeymap } from "@codemirror/commands";

/** Emacs movement and editing keys, above CodeMirror's defaults (Ctrl-a moves to the line start). */
export const emacsBindings: Extension = Prec.high(keymap.of(emacsStyleKeymap));
