/**
 * The key bindings someone can choose in their preferences. CodeMirror's
 * defaults come with the editor (see `typing_support.ts`); Vim, Emacs and VS
 * Code bindings are each a dynamic import in a chunk of its own, so a room
 * opened with the default preferences downloads none of them.
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import type { KeyBindings } from "./preferences.ts";

/** Loads the extension for a choice of key bindings; none is needed for the defaults. */
export async function loadKeyBindings(choice: KeyBindings): Promise<Extension> {
  switch (choice) {
    case "default":
      return [];
    case "vim":
      return (await import("./key_bindings/vim.ts")).vimBindings;
    case "emacs":
      return (await import("./key_bindings/emacs.ts")).emacsBindings;
    case "vscode":
      return (await import("./key_bindings/vscode.ts")).vscodeBindings;
  }
}
