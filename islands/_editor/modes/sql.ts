/**
 * The SQL editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { StandardSQL } from "@codemirror/lang-sql";

/** Standard SQL syntax highlighting and indentation. */
export const sqlMode: Extension = StandardSQL.language;
