/**
 * The room language's indentation unit, as a facet the session sets with the
 * language. What the editor indents by is decided in
 * `document_indentation.ts` (with the key bindings, in their lazy chunk):
 * the unit the document already uses, else this one.
 *
 * @module
 */
import { type Extension, Facet } from "@codemirror/state";
import { LANGUAGE_INDENT_UNITS, type LanguageId } from "../../lib/shared/languages.ts";

/** The room language's unit, used while the document has no indentation to tell by. */
export const languageIndentUnit: Facet<string, string> = Facet.define<string, string>({
  combine: (values) => values[0] ?? LANGUAGE_INDENT_UNITS.plaintext,
});

/** The language's default unit, for the session's language compartment. */
export function languageIndentation(language: LanguageId): Extension {
  return languageIndentUnit.of(LANGUAGE_INDENT_UNITS[language]);
}
