/**
 * What the editor needs only once someone types into it: the default key
 * bindings, bracket closing and the autocomplete hint. No key reaches the
 * editor before it has focus, so the session loads this module (in its own
 * chunk) when the editor is first focused or pointed at, not with the code
 * that shows the room. Until it arrives, typing works as in a plain text area.
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap } from "@codemirror/commands";
import { autocompleteHint, type AutocompleteHintOptions } from "./autocomplete_hint.ts";

/** Options for {@linkcode typingSupport}: those of the autocomplete hint. */
export type TypingSupportOptions = AutocompleteHintOptions;

/** Key bindings, bracket closing and the autocomplete hint. */
export function typingSupport(options: TypingSupportOptions): Extension {
  return [
    // No history keymap: undo goes through Yjs (in the session) so that it
    // only undoes this participant's edits. No indentWithTab: Tab accepts hints.
    keymap.of(defaultKeymap),
    // Above the default keymap, so that Backspace deletes an empty pair.
    Prec.high(keymap.of(closeBracketsKeymap)),
    // Only this from @codemirror/autocomplete: the bundle leaves out the
    // completion UI, which Duet does not use.
    closeBrackets(),
    autocompleteHint(options),
  ];
}
