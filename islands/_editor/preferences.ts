/**
 * A person's editor preferences, kept in this browser (localStorage) and
 * applied at once: key bindings, colour theme, font size, tab width and line
 * wrapping. They are personal, never part of the room: the room's document
 * decides its indentation unit (see `lib/shared/indentation.ts`), so that
 * two people with different tab widths still write one consistent file.
 *
 * @module
 */

/** The key bindings one can choose. */
export const KEY_BINDING_IDS = ["default", "vim", "emacs", "vscode"] as const;

/** Which key bindings the editor uses on top of the basics (undo, search, Tab). */
export type KeyBindings = typeof KEY_BINDING_IDS[number];

/** The themes one can choose. */
export const THEME_IDS = ["system", "light", "dark"] as const;

/** Light, dark, or whatever the system prefers. */
export type ThemeChoice = typeof THEME_IDS[number];

/** Everything the preferences panel sets. */
export interface Preferences {
  keyBindings: KeyBindings;
  theme: ThemeChoice;
  /** Code font size in CSS pixels. */
  fontSize: number;
  /** Columns a tab character takes. */
  tabWidth: number;
  lineWrapping: boolean;
}

/** Code font sizes offered, in CSS pixels. */
export const FONT_SIZES: readonly number[] = [12, 13, 14, 15, 16, 18, 20, 22, 24];

/** Tab widths offered, in columns. */
export const TAB_WIDTHS: readonly number[] = [2, 3, 4, 8];

/** What someone who never opened the panel gets. */
export const DEFAULT_PREFERENCES: Readonly<Preferences> = {
  keyBindings: "default",
  theme: "system",
  fontSize: 14,
  tabWidth: 4,
  lineWrapping: false,
};

const PREFERENCES_KEY = "duet:preferences";

/**
 * The preferences kept in `storage`, each field checked on its own: a field
 * that is missing or not one of the offered choices (an older version, a
 * hand edit) takes its default and the others are kept.
 */
export function loadPreferences(storage: Storage | null): Preferences {
  let stored: unknown;
  try {
    stored = JSON.parse(storage?.getItem(PREFERENCES_KEY) ?? "null");
  } catch {
    stored = null;
  }
  // Checked by hand rather than with zod: these five fields are read before
  // the first paint, in the island's hydration bundle, which zod would
  // enlarge by more than the whole preferences feature.
  const fields: Record<string, unknown> = typeof stored === "object" && stored !== null
    ? { ...stored }
    : {};
  return {
    keyBindings: oneOf(fields.keyBindings, KEY_BINDING_IDS, DEFAULT_PREFERENCES.keyBindings),
    theme: oneOf(fields.theme, THEME_IDS, DEFAULT_PREFERENCES.theme),
    fontSize: oneOf(fields.fontSize, FONT_SIZES, DEFAULT_PREFERENCES.fontSize),
    tabWidth: oneOf(fields.tabWidth, TAB_WIDTHS, DEFAULT_PREFERENCES.tabWidth),
    lineWrapping: typeof fields.lineWrapping === "boolean"
      ? fields.lineWrapping
      : DEFAULT_PREFERENCES.lineWrapping,
  };
}

/** Keeps `preferences` in `storage`; a browser that refuses storage keeps them for this page only. */
export function savePreferences(storage: Storage | null, preferences: Preferences): void {
  try {
    storage?.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
  } catch (error) {
    console.debug("Could not keep the preferences", error);
  }
}

/** Shows the page in the chosen theme: `data-theme` on the root element, none for the system's. */
export function applyTheme(root: HTMLElement, theme: ThemeChoice): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** Whether the editor should draw itself dark for `theme` when the system prefers dark or not. */
export function isDark(theme: ThemeChoice, systemDark: boolean): boolean {
  return theme === "dark" || (theme === "system" && systemDark);
}

/** `value` if it is one of `allowed`, else `fallback`. */
export function oneOf<T>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.find((candidate) => candidate === value) ?? fallback;
}
