/**
 * The Java editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { javaLanguage } from "@codemirror/lang-java";

/** Java syntax highlighting and indentation. */
export const javaMode: Extension = javaLanguage;
