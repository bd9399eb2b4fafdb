/**
 * No keystroke meets a half-loaded editor. The editor appears before its key
 * bindings (the default keymap, bracket closing, the hint, a chosen Vim or
 * Emacs keymap) and its language mode have arrived; a key pressed in that
 * window would otherwise be handled as in a plain text area (Enter without
 * indentation, Tab leaving the editor). Such keys are held, in order, and
 * replayed once everything is in place, through the same event handling a
 * real key goes through (`replay_keys.ts`, which comes with the bindings, so
 * that the room's first download stays small). The wait is bounded: after
 * 5 s, further keys go in as in a plain text area; those held still wait.
 *
 * @module
 */
import { type Extension, Facet, Prec } from "@codemirror/state";
import { type EditorView, ViewPlugin } from "@codemirror/view";

/** Plays held keys into the editor (`replayKeys` in `replay_keys.ts`, loaded with the bindings). */
export type KeyReplay = (view: EditorView, events: readonly KeyboardEvent[]) => void;

/** Options for {@linkcode holdKeys}. */
export interface HoldKeysOptions {
  /** Starts loading what the keys wait for; called on the first held key. */
  load: () => void;
  /** How long keys are held at most; 5 s by default. */
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
  #passThrough = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(view: EditorView, options: HoldKeysOptions) {
    this.#view = view;
    this.#options = options;
  }

  keydown(event: KeyboardEvent): boolean {
    if (this.#released || this.#passThrough || !holds(event)) return false;
    event.preventDefault();
    this.#held.push(event);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        // Held keys wait on; the next ones go in as in a plain text area.
        console.warn("The editor's key bindings are late; keys are no longer held");
        this.#passThrough = true;
      }, this.#options.maxWaitMs ?? 5_000);
      this.#options.load();
    }
    return true;
  }

  /** Holds keys again, until the next {@linkcode KeyHolder.release}: new bindings are on their way. */
  hold(): void {
    this.#released = false;
    this.#passThrough = false;
  }

  /** Stops holding keys and hands those held, in order, to `replay`. */
  release(replay: KeyReplay): void {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = this.#held;
    this.#held = [];
    if (held.length > 0) replay(this.#view, held);
  }

  destroy(): void {
    clearTimeout(this.#timer);
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

/** Hands the held keys to `replay` and lets the following ones through. */
export function releaseHeldKeys(view: EditorView, replay: KeyReplay): void {
  view.plugin(keyHolder)?.release(replay);
}

/** Holds the editor's keys again until {@linkcode releaseHeldKeys}, e.g. while other key bindings load. */
export function holdKeysAgain(view: EditorView): void {
  view.plugin(keyHolder)?.hold();
}
