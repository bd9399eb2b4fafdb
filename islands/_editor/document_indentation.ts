/**
 * The editor's indentation unit: the one the document already uses, else
 * the room language's convention (`indentation.ts`). Detected again when a
 * change adds or removes line breaks other than by typing (a paste, a
 * collaborator's edit, the first sync), so a pasted 4-space file keeps 4
 * spaces; typing one key at a time cannot change a file's convention, and
 * skipping it keeps keystrokes free of the (bounded) scan. Part of the key
 * bindings' chunk: no key is handled before it has loaded (`held_keys.ts`).
 *
 * @module
 */
import { type Extension, Prec, StateField, type Transaction } from "@codemirror/state";
import { indentUnit } from "@codemirror/language";
import { DETECT_SAMPLE_CHARS, detectIndentUnit } from "../../lib/shared/indentation.ts";
import { languageIndentUnit } from "./indentation.ts";

function changesLines(tr: Transaction): boolean {
  let changed = false;
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    if (changed) return;
    changed = inserted.lines > 1 || tr.startState.doc.sliceString(fromA, toA).includes("\n");
  });
  return changed;
}

const documentUnit = StateField.define<string | null>({
  create: (state) => detectIndentUnit(state.doc.sliceString(0, DETECT_SAMPLE_CHARS)),
  update(unit, tr) {
    if (!tr.docChanged || tr.isUserEvent("input.type") || !changesLines(tr)) return unit;
    return detectIndentUnit(tr.newDoc.sliceString(0, DETECT_SAMPLE_CHARS));
  },
});

/** Indentation that follows the document, else the room language's convention. */
export function documentIndentation(): Extension {
  return [
    documentUnit,
    // Above any unit a language mode brings.
    Prec.high(indentUnit.compute(
      [documentUnit, languageIndentUnit],
      (state) => state.field(documentUnit) ?? state.facet(languageIndentUnit),
    )),
  ];
}
