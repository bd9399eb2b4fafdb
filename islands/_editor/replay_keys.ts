/**
 * Plays keys that `held_keys.ts` held while the bindings loaded into the
 * editor, as if they had been pressed now. Part of the key bindings' chunk.
 *
 * @module
 */
import { EditorView } from "@codemirror/view";

/** Replays each event, in order (a {@linkcode import("./held_keys.ts").KeyReplay}). */
export function replayKeys(view: EditorView, events: readonly KeyboardEvent[]): void {
  for (const event of events) replay(view, event);
}

/** Replays `original` through the editor's own key handling, then types it if nothing handled it. */
function replay(view: EditorView, original: KeyboardEvent): void {
  const copy = new KeyboardEvent("keydown", {
    key: original.key,
    code: original.code,
    location: original.location,
    ctrlKey: original.ctrlKey,
    shiftKey: original.shiftKey,
    altKey: original.altKey,
    metaKey: original.metaKey,
    repeat: original.repeat,
    bubbles: true,
    cancelable: true,
  });
  // CodeMirror reads keyCode for Tab and Escape (tab focus mode), which the
  // constructor cannot set.
  Object.defineProperty(copy, "keyCode", { value: original.keyCode });
  Object.defineProperty(copy, "which", { value: original.which });
  const handled = !view.contentDOM.dispatchEvent(copy);
  if (handled) return;
  if (original.ctrlKey || original.metaKey || [...original.key].length !== 1) return;
  // A character nothing bound: type it as an input event would, through the
  // input handlers (bracket closing, a Vim insert mode…).
  const text = original.key;
  const { from, to } = view.state.selection.main;
  const insert = () =>
    view.state.update(view.state.replaceSelection(text), {
      userEvent: "input.type",
      scrollIntoView: true,
    });
  const handlers = view.state.facet(EditorView.inputHandler);
  if (!handlers.some((handler) => handler(view, from, to, text, insert))) {
    view.dispatch(insert());
  }
}
