/**
 * Search and replace without putting @codemirror/search in the code the
 * editor needs before it can show up: the module loads in its own chunk right
 * after the view mounts, and Mod-f works even before it has arrived.
 *
 * @module
 */
import { Compartment, type Extension } from "@codemirror/state";
import { type EditorView, keymap, ViewPlugin } from "@codemirror/view";

type SearchModule = typeof import("@codemirror/search");

let searchModule: Promise<SearchModule> | undefined;

function loadSearch(): Promise<SearchModule> {
  searchModule ??= import("@codemirror/search").catch((error: unknown) => {
    // Forget the failure so that the next Mod-f tries again.
    searchModule = undefined;
    throw error;
  });
  return searchModule;
}

function openSearchPanel(view: EditorView): boolean {
  loadSearch().then(
    (search) => search.openSearchPanel(view),
    (error: unknown) => console.warn("Could not load search", error),
  );
  return true;
}

/** The search keymap and selection-match highlighting, loaded lazily. */
export function lazySearch(): Extension {
  const slot = new Compartment();
  const loader = ViewPlugin.define((view) => {
    let destroyed = false;
    loadSearch().then((search) => {
      if (destroyed) return;
      view.dispatch({
        effects: slot.reconfigure([
          keymap.of(search.searchKeymap),
          search.highlightSelectionMatches(),
        ]),
      });
    }).catch((error: unknown) => {
      console.warn("Could not load search", error);
    });
    return {
      destroy() {
        destroyed = true;
      },
    };
  });
  return [
    slot.of(keymap.of([{ key: "Mod-f", run: openSearchPanel }])),
    loader,
  ];
}
