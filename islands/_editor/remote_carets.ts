/**
 * Other people's carets and selections, drawn from presence, with their name
 * on a label. It replaces y-codemirror.next's own remote selections, whose
 * caret widget compares only colours when CodeMirror asks whether to redraw:
 * a rename did not reach a caret until its owner changed line, and the label
 * (shown by an animation that runs when the widget is drawn) stayed hidden
 * while its owner kept typing on one line.
 *
 * @module
 */
import * as Y from "yjs";
import { Annotation, type Extension, type Range } from "@codemirror/state";
import {
  Decoration,
  type DecorationSet,
  EditorView,
  type PluginValue,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from "@codemirror/view";
import type { Awareness } from "y-protocols/awareness";
import { ySyncAnnotation } from "y-codemirror.next";

/** How long a label stays after its owner last typed or moved. */
export const LABEL_SHOWN_MS = 4000;

const COLOR_PATTERN = /^#[0-9a-f]{6}$/i;
const FALLBACK_COLOR = "#2f74d0";

/** Options for {@linkcode remoteCarets}. */
export interface RemoteCaretsOptions {
  /** The shared text the editor shows. */
  text: Y.Text;
  /** Presence: the others' states are drawn, the local cursor is published. */
  awareness: Awareness;
  /** Milliseconds now; injected by tests. */
  now?: () => number;
}

/** When each person last typed or moved, as this browser saw it. */
export class CaretActivity {
  readonly #cursors = new Map<number, string>();
  readonly #movedAt = new Map<number, number>();

  /** Notes a person's cursor (as JSON); a new one counts as typing or moving. */
  see(clientId: number, cursorJson: string, now: number): void {
    if (this.#cursors.get(clientId) === cursorJson) return;
    this.#cursors.set(clientId, cursorJson);
    this.#movedAt.set(clientId, now);
  }

  /** Notes that a person typed (their edits reached this browser). */
  typed(clientId: number, now: number): void {
    this.#movedAt.set(clientId, now);
  }

  /** Forgets a person who left. */
  forget(clientId: number): void {
    this.#cursors.delete(clientId);
    this.#movedAt.delete(clientId);
  }

  /** How long the label of `clientId` still shows, in ms; 0 when hidden. */
  labelRemainingMs(clientId: number, now: number): number {
    const movedAt = this.#movedAt.get(clientId);
    if (movedAt === undefined) return 0;
    return Math.max(0, movedAt + LABEL_SHOWN_MS - now);
  }
}

const refresh = Annotation.define<null>();

/** A remote caret: a coloured bar with its owner's name on a label. */
class CaretWidget extends WidgetType {
  constructor(
    readonly color: string,
    readonly name: string,
    readonly labelShown: boolean,
    /** On the first line the label goes below the caret, where it is not cut off. */
    readonly below: boolean,
  ) {
    super();
  }

  override eq(other: CaretWidget): boolean {
    return other.color === this.color && other.name === this.name &&
      other.labelShown === this.labelShown && other.below === this.below;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement("span");
    caret.className = "cm-ySelectionCaret";
    caret.setAttribute("aria-hidden", "true");
    // Word joiners give the inline caret a height without adding text.
    caret.append("\u2060");
    const label = document.createElement("span");
    label.className = "cm-ySelectionInfo";
    caret.append(label, "\u2060");
    this.#paint(caret, label);
    return caret;
  }

  override updateDOM(dom: HTMLElement): boolean {
    const label = dom.querySelector<HTMLElement>(".cm-ySelectionInfo");
    if (label === null) return false;
    this.#paint(dom, label);
    return true;
  }

  #paint(caret: HTMLElement, label: HTMLElement): void {
    caret.style.borderColor = this.color;
    caret.dataset.label = this.labelShown ? "shown" : "hidden";
    caret.dataset.placement = this.below ? "below" : "above";
    // Translucent, so the line the label lies over still shows through it.
    label.style.backgroundColor = `${this.color}b3`;
    label.textContent = this.name;
  }

  override get estimatedHeight(): number {
    return -1;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

class RemoteCaretsView implements PluginValue {
  decorations: DecorationSet = Decoration.none;
  readonly #view: EditorView;
  readonly #options: RemoteCaretsOptions;
  readonly #now: () => number;
  readonly #activity = new CaretActivity();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;
  #publishQueued = false;

  constructor(view: EditorView, options: RemoteCaretsOptions) {
    this.#view = view;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    options.awareness.on("change", this.#onChange);
    // Typing at the end of a line need not move a cursor as Yjs keeps it
    // (relative to the character after it), so edits count by themselves.
    // Noted before the observers run, so the redraw they cause sees it.
    options.text.doc?.on("beforeObserverCalls", this.#onTransaction);
    for (const clientId of options.awareness.getStates().keys()) this.#see(clientId);
    this.decorations = this.#build(view);
  }

  update(update: ViewUpdate): void {
    // A local edit reaches Yjs in ySync's own update, which may come after
    // this one (this plugin loads later and its slot sits before ySync):
    // until then, an index in the editor is not an index in the Y.Text. So the
    // carets move with the edit, and the local cursor is sent once the update
    // is over; read earlier, a cursor at the end of a line was kept relative
    // to the next line's first character and drawn there by the others.
    const local = update.transactions.some((tr) =>
      tr.docChanged && tr.annotation(ySyncAnnotation) === undefined
    );
    if (local) {
      this.decorations = this.decorations.map(update.changes);
    } else {
      this.decorations = this.#build(update.view);
    }
    if (!this.#publishQueued) {
      this.#publishQueued = true;
      queueMicrotask(() => {
        this.#publishQueued = false;
        if (!this.#destroyed) this.#publishLocalCursor(this.#view);
      });
    }
  }

  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#timer);
    this.#options.awareness.off("change", this.#onChange);
    this.#options.text.doc?.off("beforeObserverCalls", this.#onTransaction);
  }

  #onTransaction = (transaction: Y.Transaction): void => {
    if (transaction.local) return;
    const now = this.#now();
    for (const [clientId, clock] of transaction.afterState) {
      if ((transaction.beforeState.get(clientId) ?? 0) < clock) {
        this.#activity.typed(clientId, now);
      }
    }
  };

  #onChange = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
  ): void => {
    const self = this.#options.awareness.clientID;
    for (const clientId of removed) this.#activity.forget(clientId);
    for (const clientId of [...added, ...updated]) this.#see(clientId);
    if ([...added, ...updated, ...removed].some((clientId) => clientId !== self)) {
      this.#view.dispatch({ annotations: refresh.of(null) });
    }
  };

  #see(clientId: number): void {
    if (clientId === this.#options.awareness.clientID) return;
    const cursor = this.#options.awareness.getStates().get(clientId)?.cursor;
    this.#activity.see(clientId, JSON.stringify(cursor ?? null), this.#now());
  }

  // As y-codemirror.next does: the local selection becomes `cursor` while
  // the editor has focus.
  #publishLocalCursor(view: EditorView): void {
    const { awareness, text } = this.#options;
    const local = awareness.getLocalState();
    if (local === null) return;
    const hasFocus = view.hasFocus && view.dom.ownerDocument.hasFocus();
    const cursor = local.cursor as { anchor: unknown; head: unknown } | null | undefined;
    if (hasFocus) {
      const selection = view.state.selection.main;
      const anchor = Y.createRelativePositionFromTypeIndex(text, selection.anchor);
      const head = Y.createRelativePositionFromTypeIndex(text, selection.head);
      if (
        cursor == null ||
        !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cursor.anchor), anchor) ||
        !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cursor.head), head)
      ) {
        awareness.setLocalStateField("cursor", { anchor, head });
      }
    }
  }

  #build(view: EditorView): DecorationSet {
    const { awareness, text } = this.#options;
    const doc = text.doc;
    if (doc === null) return Decoration.none;
    const now = this.#now();
    let nextExpiry = Infinity;
    const ranges: Range<Decoration>[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID) continue;
      const cursor = state.cursor;
      if (typeof cursor !== "object" || cursor === null) continue;
      const anchor = absolute(cursor.anchor, doc, text);
      const head = absolute(cursor.head, doc, text);
      if (anchor === null || head === null) continue;
      const user = typeof state.user === "object" && state.user !== null ? state.user : {};
      const color = typeof user.color === "string" && COLOR_PATTERN.test(user.color)
        ? user.color
        : FALLBACK_COLOR;
      const name = typeof user.name === "string" && user.name.trim() !== ""
        ? user.name
        : "Anonymous";
      const length = view.state.doc.length;
      const from = Math.min(anchor, head, length);
      const to = Math.min(Math.max(anchor, head), length);
      if (from < to) {
        ranges.push(
          Decoration.mark({
            class: "cm-ySelection",
            attributes: { style: `background-color: ${color}33` },
          }).range(from, to),
        );
      }
      const remaining = this.#activity.labelRemainingMs(clientId, now);
      if (remaining > 0) nextExpiry = Math.min(nextExpiry, remaining);
      const at = Math.min(head, length);
      ranges.push(
        Decoration.widget({
          // Outside the selection, so the local cursor is drawn outside it too.
          side: head > anchor ? -1 : 1,
          widget: new CaretWidget(
            color,
            name,
            remaining > 0,
            view.state.doc.lineAt(at).number === 1,
          ),
        }).range(at),
      );
    }
    this.#schedule(nextExpiry);
    return Decoration.set(ranges, true);
  }

  /** Redraws when the next label is due to hide. */
  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (ms === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#view.dispatch({ annotations: refresh.of(null) });
    }, ms + 1);
  }
}

function absolute(position: unknown, doc: Y.Doc, text: Y.Text): number | null {
  if (typeof position !== "object" || position === null) return null;
  try {
    const absolute = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(position),
      doc,
    );
    return absolute !== null && absolute.type === text ? absolute.index : null;
  } catch {
    // Someone else's idea of a position: not drawn.
    return null;
  }
}

const caretTheme = EditorView.baseTheme({
  ".cm-ySelectionCaret": {
    position: "relative",
    borderLeft: "2px solid",
    marginLeft: "-1px",
    marginRight: "-1px",
    boxSizing: "border-box",
  },
  ".cm-ySelectionInfo": {
    position: "absolute",
    left: "-2px",
    bottom: "100%",
    padding: "0 0.35em",
    borderRadius: "0.35em 0.35em 0.35em 0",
    color: "white",
    fontFamily: "var(--duet-sans, sans-serif)",
    fontSize: "0.62rem",
    fontStyle: "normal",
    fontWeight: "600",
    lineHeight: "1.15",
    whiteSpace: "nowrap",
    userSelect: "none",
    zIndex: "101",
    opacity: "1",
    transition: "opacity 0.3s ease-in-out",
  },
  ".cm-ySelectionCaret[data-placement=below] > .cm-ySelectionInfo": {
    bottom: "auto",
    top: "100%",
    borderRadius: "0 0.35em 0.35em 0.35em",
  },
  ".cm-ySelectionCaret[data-label=hidden] > .cm-ySelectionInfo": { opacity: "0" },
  ".cm-ySelectionCaret[data-label=hidden]:hover > .cm-ySelectionInfo": { opacity: "1" },
  // A label over text one wants to read fades while the pointer is on it.
  ".cm-ySelectionCaret > .cm-ySelectionInfo:hover": { opacity: "0.15" },
});

/** Draws the others' carets and selections and publishes the local one. */
export function remoteCarets(options: RemoteCaretsOptions): Extension {
  return [
    caretTheme,
    ViewPlugin.define((view) => new RemoteCaretsView(view, options), {
      decorations: (plugin) => plugin.decorations,
    }),
  ];
}
