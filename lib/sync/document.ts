import * as Y from "yjs";
import { z } from "zod";
import {
  DEFAULT_LANGUAGE,
  LANGUAGE_IDS,
  type LanguageId,
  languageOr,
} from "../shared/languages.ts";

/** Name of the `Y.Text` holding the room's code; the editor binds the same. */
export const CODE_TEXT = "code";
/** Name of the `Y.Map` holding room settings; key `language` is the language. */
export const SETTINGS_MAP = "settings";

/**
 * The keys of {@linkcode SETTINGS_MAP} Duet uses, each with the values it
 * accepts; updates that set anything else there are refused.
 */
export const SETTINGS_VALUES: ReadonlyMap<string, z.ZodType> = new Map([
  ["language", z.enum(LANGUAGE_IDS)],
]);

/** The room's code in `doc`. */
export function codeOf(doc: Y.Doc): string {
  return doc.getText(CODE_TEXT).toString();
}

/** The room's language in `doc`, or `fallback` when it holds no known one. */
export function languageOf(
  doc: Y.Doc,
  fallback: LanguageId = DEFAULT_LANGUAGE,
): LanguageId {
  return languageOr(doc.getMap(SETTINGS_MAP).get("language"), fallback);
}

/**
 * Builds the first state of a new room's document. It runs once, when the
 * room is created, so the initial code can never be inserted twice.
 */
export function initialDocumentState(
  code: string,
  language: LanguageId,
): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    doc.getMap(SETTINGS_MAP).set("language", language);
    if (code) doc.getText(CODE_TEXT).insert(0, code);
  });
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}
