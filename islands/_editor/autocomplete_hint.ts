/**
 * Autocomplete hints: after a pause in local typing, ask for a suggestion at
 * the cursor, show it as ghost text (and to the island through a callback),
 * insert it with Tab, dismiss it with Esc or any further edit or movement.
 *
 * @module
 */
import {
  type EditorState,
  type Extension,
  Prec,
  StateEffect,
  StateField,
  type Text,
  type Transaction,
} from "@codemirror/state";
import {
  Decoration,
  type DecorationSet,
  EditorView,
  keymap,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from "@codemirror/view";
import { indentUnit } from "@codemirror/language";
import { ySyncAnnotation } from "y-codemirror.next";
import type { AutocompleteRequest } from "../../lib/shared/wire.ts";
import { reindentSuggestion } from "../../lib/shared/indentation.ts";

/** A suggestion shown at a document position. */
export interface Hint {
  pos: number;
  text: string;
}

/** Options for {@linkcode autocompleteHint}. */
export interface AutocompleteHintOptions {
  /** Asks for the suggestion; resolves to `""` when there is none. */
  requestSuggestion: (
    request: AutocompleteRequest,
    signal: AbortSignal,
  ) => Promise<string>;
  /** The room language at the time of the request. */
  language: () => AutocompleteRequest["language"];
  /** Called whenever the shown hint changes; `null` once it is gone. */
  onHintChange: (hint: Hint | null) => void;
  /** Pause after the last local keystroke before asking; 600 ms by default. */
  delayMs?: number;
}

const showHint = StateEffect.define<Hint>();
const clearHint = StateEffect.define<null>();

const hintField = StateField.define<Hint | null>({
  create: () => null,
  update(hint, tr) {
    for (const effect of tr.effects) {
      if (effect.is(showHint)) return effect.value;
      if (effect.is(clearHint)) return null;
    }
    if (hint === null) return null;
    if (tr.selection !== undefined) return null;
    if (!tr.docChanged) return hint;
    if (isLocalEdit(tr)) return null;
    // A collaborator edited elsewhere: keep the hint if it still sits at the cursor.
    const pos = tr.changes.mapPos(hint.pos, 1);
    const main = tr.state.selection.main;
    return main.empty && main.head === pos ? { pos, text: hint.text } : null;
  },
  provide: (field) =>
    EditorView.decorations.from(
      field,
      (hint): DecorationSet =>
        hint === null ? Decoration.none : Decoration.set([
          Decoration.widget({ widget: new GhostText(hint.text), side: 1 })
            .range(hint.pos),
        ]),
    ),
});

class GhostText extends WidgetType {
  readonly #text: string;

  constructor(text: string) {
    super();
    this.#text = text;
  }

  override eq(other: GhostText): boolean {
    return other.#text === this.#text;
  }

  override toDOM(): HTMLElement {
    const span = document.createElement("span");
    span.className = "cm-ghostText";
    span.setAttribute("aria-hidden", "true");
    // Only the first line goes inline, so that line heights stay as they are;
    // the hint area under the editor shows the whole suggestion.
    const [first, ...rest] = this.#text.split("\n");
    // Drawn by CSS from the attribute, so that the ghost is not part of the
    // line's text (copying, tests and assistive technology see only real code).
    span.dataset.ghost = rest.length > 0 ? `${first} …` : first;
    return span;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

/** Whether the transaction is the local participant typing or deleting (not a collaborator's edit arriving through Yjs). */
function isLocalEdit(tr: Transaction): boolean {
  return tr.docChanged && tr.annotation(ySyncAnnotation) === undefined;
}

function isTyping(tr: Transaction): boolean {
  return isLocalEdit(tr) &&
    (tr.isUserEvent("input") || tr.isUserEvent("delete")) &&
    // Accepting a hint is not a reason to ask for the next one right away.
    !tr.isUserEvent("input.complete");
}

function singleCursor(state: EditorState): number | null {
  const { ranges, main } = state.selection;
  return ranges.length === 1 && main.empty ? main.head : null;
}

/**
 * The server indents a suggestion in its language's usual unit; the document
 * may use another, and one file must not mix tabs and spaces.
 */
function inDocumentUnit(state: EditorState, pos: number, suggestion: string): string {
  const line = state.doc.lineAt(pos).text;
  const lineIndent = line.slice(0, line.length - line.trimStart().length);
  return reindentSuggestion(suggestion, { lineIndent, unit: state.facet(indentUnit) });
}

/** Inserts the shown hint at the cursor as one "input.complete" edit; false when no hint is shown. */
export function acceptHint(view: EditorView): boolean {
  const hint = view.state.field(hintField, false);
  if (hint == null || view.state.readOnly || singleCursor(view.state) !== hint.pos) {
    return false;
  }
  view.dispatch({
    changes: { from: hint.pos, insert: hint.text },
    selection: { anchor: hint.pos + hint.text.length },
    effects: clearHint.of(null),
    userEvent: "input.complete",
    scrollIntoView: true,
  });
  return true;
}

/** Hides the shown hint; false when no hint is shown. */
export function dismissHint(view: EditorView): boolean {
  if (view.state.field(hintField, false) == null) return false;
  view.dispatch({ effects: clearHint.of(null) });
  return true;
}

/** The autocomplete hint extension. */
export function autocompleteHint(options: AutocompleteHintOptions): Extension {
  const delayMs = options.delayMs ?? 600;

  const requester = ViewPlugin.define((view) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | undefined;

    const cancel = () => {
      clearTimeout(timer);
      timer = undefined;
      inFlight?.abort();
      inFlight = undefined;
    };

    const request = () => {
      timer = undefined;
      const state = view.state;
      const pos = singleCursor(state);
      if (pos === null || state.doc.length === 0 || state.readOnly) return;
      const doc: Text = state.doc;
      const controller = new AbortController();
      inFlight = controller;
      options.requestSuggestion({
        code: doc.toString(),
        cursorPosition: pos,
        language: options.language(),
      }, controller.signal).then((suggestion) => {
        if (controller.signal.aborted || suggestion === "") return;
        // Text is immutable: the same object means nobody edited since.
        if (view.state.doc !== doc || singleCursor(view.state) !== pos) return;
        view.dispatch({
          effects: showHint.of({ pos, text: inDocumentUnit(state, pos, suggestion) }),
        });
      }).catch((error: unknown) => {
        if (controller.signal.aborted) return;
        console.debug("Autocomplete request failed", error);
      }).finally(() => {
        if (inFlight === controller) inFlight = undefined;
      });
    };

    return {
      update(update: ViewUpdate) {
        const before = update.startState.field(hintField);
        const after = update.state.field(hintField);
        if (before !== after) options.onHintChange(after);
        if (!update.docChanged && !update.selectionSet) return;
        // Whatever was asked about is out of date now.
        inFlight?.abort();
        inFlight = undefined;
        if (update.transactions.some(isTyping)) {
          clearTimeout(timer);
          timer = setTimeout(request, delayMs);
        } else if (update.selectionSet) {
          // The participant moved away from where they were typing.
          clearTimeout(timer);
          timer = undefined;
        }
      },
      destroy() {
        cancel();
        if (view.state.field(hintField) !== null) options.onHintChange(null);
      },
    };
  });

  return [
    hintField,
    requester,
    Prec.highest(keymap.of([
      { key: "Tab", run: acceptHint },
      { key: "Escape", run: dismissHint },
    ])),
  ];
}
