/**
 * No keystroke meets a half-loaded editor. The editor appears before its key
 * bindings (the default keymap, bracket closing, the hint, a chosen Vim or
 * Emacs keymap) and its language mode have arrived; a key pressed in that
 * window would otherwise be handled as in a plain text area (Enter without
 * indentation, Tab leaving the editor). Such keys are held, in order, and
 * replayed once everything is in place, through the same event handling a
 * real key goes through; the wait is bounded, after which they are replayed
 * with whatever has loaded.
 *
 * @module
 */
import { type Extension, Facet, Prec } from "@codemirror/state";
import { EditorView, ViewPlugin } from "@codemirror/view";

/** Options for {@linkcode holdKeys}. */
export interface HoldKeysOptions {
  /** Starts loading what the keys wait for; called on the first held key. */
  load: () => void;
  /** Longest wait before held keys are replayed anyway; 5 s by default. */
  maxWaitMs?: number;
}

const MODIFIER_KEYS = new Set(["Shift", "Control", "Alt", "Meta", "AltGraph", "CapsLock"]);

/**
 * Whether a key waits: not modifiers alone, not keys an input method is
 * composing with, and not the clipboard shortcuts, whose work the browser
 * does in paste, copy and cut events that cannot be replayed.
 */
function holds(event: KeyboardEvent): boolean {
  if (event.isComposing || event.key === "Process" || event.key === "Unidentified") return false;
  if (MODIFIER_KEYS.has(event.key)) return false;
  const mod = event.ctrlKey || event.metaKey;
  return !(mod && !event.altKey && ["c", "v", "x", "C", "V", "X"].includes(event.key));
}

class KeyHolder {
  readonly #view: EditorView;
  readonly #options: HoldKeysOptions;
  #held: KeyboardEvent[] = [];
  #released = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(view: EditorView, options: HoldKeysOptions) {
    this.#view = view;
    this.#options = options;
  }

  keydown(event: KeyboardEvent): boolean {
    if (this.#released || !holds(event)) return false;
    event.preventDefault();
    this.#held.push(event);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        console.warn("The editor's key bindings are late; replaying held keys without them");
        this.release();
      }, this.#options.maxWaitMs ?? 5_000);
      this.#options.load();
    }
    return true;
  }

  /** Holds keys again, until the next {@linkcode KeyHolder.release}: new bindings are on their way. */
  hold(): void {
    this.#released = false;
  }

  /** Stops holding keys and replays those held, in order. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = [];
    for (const event of held) replay(this.#view, event);
  }

  destroy(): void {
    clearTimeout(this.#timer);
  }
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

const holdKeysOptions = Facet.define<HoldKeysOptions, HoldKeysOptions | null>({
  combine: (values) => values[0] ?? null,
});

const keyHolder = ViewPlugin.define(
  (view) => new KeyHolder(view, view.state.facet(holdKeysOptions) ?? { load: () => {} }),
  {
    eventHandlers: {
      keydown(event) {
        return this.keydown(event);
      },
    },
  },
);

/** Holds the editor's keys until {@linkcode releaseHeldKeys} is called (or the wait runs out). */
export function holdKeys(options: HoldKeysOptions): Extension {
  return [holdKeysOptions.of(options), Prec.highest(keyHolder)];
}

/** Replays the held keys and lets the following ones through. */
export function releaseHeldKeys(view: EditorView): void {
  view.plugin(keyHolder)?.release();
}

/** Holds the editor's keys again until {@linkcode releaseHeldKeys}, e.g. while other key bindings load. */
export function holdKeysAgain(view: EditorView): void {
  view.plugin(keyHolder)?.hold();
}
