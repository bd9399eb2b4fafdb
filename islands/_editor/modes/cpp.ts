/**
 * The C++ editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { cppLanguage } from "@codemirror/lang-cpp";

/** C++ syntax highlighting and indentation. */
export const cppMode: Extension = cppLanguage;
