/**
 * The editor bound to the shared text: y-codemirror.next's sync plugin, and
 * undo through a `Y.UndoManager` so that it takes back only this person's
 * edits. Not `yCollab()`: that also brings y-codemirror.next's remote
 * selections, which Duet replaces (remote_carets.ts) and whose 1.5 kB the
 * room page's JavaScript budget cannot spare; its undo plugin is not exported
 * on its own, so the few lines of it Duet needs are here.
 *
 * @module
 */
import type * as Y from "yjs";
import { type Extension, Prec } from "@codemirror/state";
import {
  EditorView,
  type KeyBinding,
  keymap,
  type PluginValue,
  ViewPlugin,
  type ViewUpdate,
} from "@codemirror/view";
import { ySync, ySyncAnnotation, YSyncConfig, ySyncFacet } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";

/** Options for {@linkcode collaboration}. */
export interface CollaborationOptions {
  text: Y.Text;
  awareness: Awareness;
  undoManager: Y.UndoManager;
}

/** Sync with `text` and undo/redo of this person's own edits (keys and the browser's history events). */
export function collaboration(options: CollaborationOptions): Extension {
  const config = new YSyncConfig(options.text, options.awareness);
  const { undoManager } = options;
  const undo = (): boolean => {
    undoManager.undo();
    return true;
  };
  const redo = (): boolean => {
    undoManager.redo();
    return true;
  };
  const keys: KeyBinding[] = [
    { key: "Mod-z", run: undo, preventDefault: true },
    { key: "Mod-y", mac: "Mod-Shift-z", run: redo, preventDefault: true },
    { key: "Mod-Shift-z", run: redo, preventDefault: true },
  ];
  return [
    ySyncFacet.of(config),
    // Before the sync plugin, so that it sees a selection before the change.
    ViewPlugin.define((view) => new UndoSelections(view, undoManager, config)),
    ySync,
    // Ahead of other bindings of these keys, as where yCollab's keymap stood.
    Prec.high(keymap.of(keys)),
    EditorView.domEventHandlers({
      beforeinput(event) {
        if (event.inputType === "historyUndo") return undo();
        if (event.inputType === "historyRedo") return redo();
        return false;
      },
    }),
  ];
}

/** Tracks the sync plugin's changes in the undo manager and restores the selection on undo, as y-codemirror.next does. */
class UndoSelections implements PluginValue {
  readonly #view: EditorView;
  readonly #undoManager: Y.UndoManager;
  readonly #config: YSyncConfig;
  #before: ReturnType<YSyncConfig["toYRange"]> | null = null;

  constructor(view: EditorView, undoManager: Y.UndoManager, config: YSyncConfig) {
    this.#view = view;
    this.#undoManager = undoManager;
    this.#config = config;
    undoManager.on("stack-item-added", this.#onAdded);
    undoManager.on("stack-item-popped", this.#onPopped);
    undoManager.addTrackedOrigin(config);
  }

  update(update: ViewUpdate): void {
    if (
      update.selectionSet &&
      (update.transactions.length === 0 ||
        update.transactions[0].annotation(ySyncAnnotation) !== this.#config)
    ) {
      this.#store();
    }
  }

  destroy(): void {
    this.#undoManager.off("stack-item-added", this.#onAdded);
    this.#undoManager.off("stack-item-popped", this.#onPopped);
    this.#undoManager.removeTrackedOrigin(this.#config);
  }

  #store(): void {
    this.#before = this.#config.toYRange(this.#view.state.selection.main);
  }

  #onAdded = (
    { stackItem, changedParentTypes }: {
      stackItem: { meta: Map<unknown, unknown> };
      changedParentTypes: Map<unknown, unknown>;
    },
  ): void => {
    if (
      changedParentTypes.has(this.#config.ytext) && this.#before !== null &&
      !stackItem.meta.has(this)
    ) {
      stackItem.meta.set(this, this.#before);
    }
  };

  #onPopped = ({ stackItem }: { stackItem: { meta: Map<unknown, unknown> } }): void => {
    const range = stackItem.meta.get(this) as ReturnType<YSyncConfig["toYRange"]> | undefined;
    if (range === undefined) return;
    const selection = this.#config.fromYRange(range);
    this.#view.dispatch({ selection, effects: EditorView.scrollIntoView(selection) });
    this.#store();
  };
}
