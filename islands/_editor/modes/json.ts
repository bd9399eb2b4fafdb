/**
 * The JSON editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { jsonLanguage } from "@codemirror/lang-json";

/** JSON syntax highlighting and indentation. */
export const jsonMode: Extension = jsonLanguage;
