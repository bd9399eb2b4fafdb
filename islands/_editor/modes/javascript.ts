/**
 * The JavaScript and TypeScript editor modes, loaded in one chunk (see
 * `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { javascriptLanguage, typescriptLanguage } from "@codemirror/lang-javascript";

/** JavaScript syntax highlighting and indentation. */
export const javascriptMode: Extension = javascriptLanguage;

/** TypeScript syntax highlighting and indentation. */
export const typescriptMode: Extension = typescriptLanguage;
