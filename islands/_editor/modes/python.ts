/**
 * The Python editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { pythonLanguage } from "@codemirror/lang-python";

/** Python syntax highlighting and indentation. */
export const pythonMode: Extension = pythonLanguage;
