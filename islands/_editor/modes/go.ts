/**
 * The Go editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { goLanguage } from "@codemirror/lang-go";

/** Go syntax highlighting and indentation. */
export const goMode: Extension = goLanguage;
