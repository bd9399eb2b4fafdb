/**
 * The CSS editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { cssLanguage } from "@codemirror/lang-css";

/** CSS syntax highlighting and indentation. */
export const cssMode: Extension = cssLanguage;
