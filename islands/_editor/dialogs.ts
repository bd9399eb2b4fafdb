/**
 * The room's dialogs, in a chunk of their own that downloads when one is
 * first opened (see `load_dialogs.ts`): a page that is only read or typed in
 * never needs them.
 *
 * @module
 */
export { default as KeyboardHelp } from "./KeyboardHelp.tsx";
export { default as PreferencesPanel } from "./PreferencesPanel.tsx";
