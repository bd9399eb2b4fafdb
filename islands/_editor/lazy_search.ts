/**
 * Search and replace without downloading @codemirror/search until someone
 * uses it: a search key, or selecting text (other occurrences of a selection
 * are highlighted), loads the module in its own chunk. A key pressed before
 * the module has arrived runs its command once it has.
 *
 * @module
 */
import { Compartment, type Extension } from "@codemirror/state";
import {
  type Command,
  type EditorView,
  keymap,
  ViewPlugin,
  type ViewUpdate,
} from "@codemirror/view";

type SearchModule = typeof import("@codemirror/search");

let searchModule: Promise<SearchModule> | undefined;

function loadSearch(): Promise<SearchModule> {
  searchModule ??= import("@codemirror/search").catch((error: unknown) => {
    // Forget the failure so that the next use tries again.
    searchModule = undefined;
    throw error;
  });
  return searchModule;
}

const searchSlot = new Compartment();

/** Per view: swaps the stand-in keys for the real search extension once it has loaded. */
class SearchLoader {
  readonly #view: EditorView;
  #installed: Promise<SearchModule> | undefined;
  #destroyed = false;

  constructor(view: EditorView) {
    this.#view = view;
    // Text selected before this loader arrived (it comes with typing support).
    if (!view.state.selection.main.empty) {
      queueMicrotask(() =>
        this.install().catch((error: unknown) => console.warn("Could not load search", error))
      );
    }
  }

  update(update: ViewUpdate): void {
    if (
      this.#installed === undefined && update.selectionSet && !update.state.selection.main.empty
    ) {
      this.install().catch((error: unknown) => console.warn("Could not load search", error));
    }
  }

  /** Loads search (once) and puts its keymap and selection-match highlighting in place. */
  install(): Promise<SearchModule> {
    this.#installed ??= loadSearch().then((search) => {
      if (!this.#destroyed) {
        this.#view.dispatch({
          effects: searchSlot.reconfigure([
            keymap.of(search.searchKeymap),
            search.highlightSelectionMatches(),
          ]),
        });
      }
      return search;
    });
    // A failed load stays failed: browsers keep a module that failed to load
    // as failed for the life of the page.
    return this.#installed;
  }

  destroy(): void {
    this.#destroyed = true;
  }
}

const searchLoader = ViewPlugin.fromClass(SearchLoader);

// The keys of @codemirror/search's `searchKeymap`; each stands in for its
// binding there until the module has loaded.
const SEARCH_KEYS: readonly { key: string; shift?: true }[] = [
  { key: "Mod-f" },
  { key: "F3", shift: true },
  { key: "Mod-g", shift: true },
  { key: "Mod-Shift-l" },
  { key: "Mod-Alt-g" },
  { key: "Mod-d" },
];

function standIn(key: string, shift: boolean): Command {
  return (view) => {
    const loader = view.plugin(searchLoader);
    if (loader === null) return false;
    loader.install().then((search) => {
      const binding = search.searchKeymap.find((candidate) => candidate.key === key);
      (shift ? binding?.shift : binding?.run)?.(view);
    }).catch((error: unknown) => console.warn("Could not load search", error));
    return true;
  };
}

/** The search keymap and selection-match highlighting, loaded on first use. */
export function lazySearch(): Extension {
  return [
    searchSlot.of(keymap.of(SEARCH_KEYS.map(({ key, shift }) => ({
      key,
      run: standIn(key, false),
      shift: shift ? standIn(key, true) : undefined,
      preventDefault: true,
    })))),
    searchLoader,
  ];
}
