/**
 * What the editor needs only once someone types into it: the default key
 * bindings, Tab indentation, the indentation unit, bracket closing and the
 * autocomplete hint. No
 * key reaches the editor before it has focus, so the session loads this
 * module (in its own chunk) when the editor is first focused or pointed at,
 * not with the code that shows the room. Keys pressed before it has arrived
 * wait for it (see `held_keys.ts`).
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { autocompleteHint, type AutocompleteHintOptions } from "./autocomplete_hint.ts";
import { documentIndentation } from "./document_indentation.ts";

export { replayKeys } from "./replay_keys.ts";
// Search comes with the bindings: a search key pressed before is held and
// replayed (held_keys.ts), so the room's first download need not carry it.
export { lazySearch } from "./lazy_search.ts";

/** Options for {@linkcode typingSupport}: those of the autocomplete hint. */
export type TypingSupportOptions = AutocompleteHintOptions;

/** Key bindings, bracket closing and the autocomplete hint. */
export function typingSupport(options: TypingSupportOptions): Extension {
  return [
    // No history keymap: undo goes through Yjs (in the session) so that it
    // only undoes this participant's edits. Tab indents, unless a hint is
    // showing (the hint's Tab comes first); Escape then Tab leaves the
    // editor, CodeMirror's tab focus mode.
    keymap.of([...defaultKeymap, indentWithTab]),
    // Above the default keymap, so that Backspace deletes an empty pair.
    Prec.high(keymap.of(closeBracketsKeymap)),
    // Only this from @codemirror/autocomplete: the bundle leaves out the
    // completion UI, which Duet does not use.
    closeBrackets(),
    autocompleteHint(options),
    documentIndentation(),
  ];
}
