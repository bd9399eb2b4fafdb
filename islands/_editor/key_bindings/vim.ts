/**
 * Vim key bindings, in their own chunk: loaded only for someone who chose
 * them (see `../key_bindings.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { vim } from "@replit/codemirror-vim";

/** Vim modes and commands, with the status line that shows the mode. */
export const vimBindings: Extension = vim({ status: true });
