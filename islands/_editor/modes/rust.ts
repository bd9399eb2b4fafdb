/**
 * The Rust editor mode, loaded in its own chunk (see `../load_language.ts`).
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import { rustLanguage } from "@codemirror/lang-rust";

/** Rust syntax highlighting and indentation. */
export const rustMode: Extension = rustLanguage;
