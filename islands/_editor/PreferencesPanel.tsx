import type { TargetedEvent } from "preact";
import ModalDialog from "./ModalDialog.tsx";
import {
  FONT_SIZES,
  KEY_BINDING_IDS,
  type KeyBindings,
  oneOf,
  type Preferences,
  TAB_WIDTHS,
  THEME_IDS,
  type ThemeChoice,
} from "./preferences.ts";

const KEY_BINDINGS: Readonly<Record<KeyBindings, string>> = {
  default: "Standard",
  vim: "Vim",
  emacs: "Emacs-style",
  vscode: "VS Code",
};

const THEMES: Readonly<Record<ThemeChoice, string>> = {
  system: "Same as the system",
  light: "Light",
  dark: "Dark",
};

/** Props of {@linkcode PreferencesPanel}. */
export interface PreferencesPanelProps {
  open: boolean;
  onClose: () => void;
  preferences: Preferences;
  /** Called with the whole new set on every change; the caller applies and keeps it. */
  onChange: (next: Preferences) => void;
}

type SelectEvent = TargetedEvent<HTMLSelectElement>;

/** The editor preferences, kept in this browser and applied at once. */
export default function PreferencesPanel(props: PreferencesPanelProps) {
  const { preferences, onChange } = props;
  const pick = <K extends keyof Preferences>(key: K, value: Preferences[K]) =>
    onChange({ ...preferences, [key]: value });

  return (
    <ModalDialog
      open={props.open}
      onClose={props.onClose}
      title="Preferences"
      testId="preferences"
    >
      <form class="duet-preferences" onSubmit={(event) => event.preventDefault()}>
        <label class="duet-field">
          <span class="duet-field__label">Key bindings</span>
          <select
            class="duet-select"
            data-testid="pref-keys"
            value={preferences.keyBindings}
            onChange={(event: SelectEvent) =>
              pick(
                "keyBindings",
                oneOf(event.currentTarget.value, KEY_BINDING_IDS, preferences.keyBindings),
              )}
          >
            {Object.entries(KEY_BINDINGS).map(([id, label]) => (
              <option key={id} value={id}>{label}</option>
            ))}
          </select>
        </label>
        <label class="duet-field">
          <span class="duet-field__label">Theme</span>
          <select
            class="duet-select"
            data-testid="pref-theme"
            value={preferences.theme}
            onChange={(event: SelectEvent) =>
              pick("theme", oneOf(event.currentTarget.value, THEME_IDS, preferences.theme))}
          >
            {Object.entries(THEMES).map(([id, label]) => (
              <option key={id} value={id}>{label}</option>
            ))}
          </select>
        </label>
        <label class="duet-field">
          <span class="duet-field__label">Font size</span>
          <select
            class="duet-select"
            data-testid="pref-font-size"
            value={String(preferences.fontSize)}
            onChange={(event: SelectEvent) =>
              pick(
                "fontSize",
                oneOf(Number(event.currentTarget.value), FONT_SIZES, preferences.fontSize),
              )}
          >
            {FONT_SIZES.map((size) => <option key={size} value={String(size)}>{size} px</option>)}
          </select>
        </label>
        <label class="duet-field">
          <span class="duet-field__label">Tab width</span>
          <select
            class="duet-select"
            data-testid="pref-tab-width"
            value={String(preferences.tabWidth)}
            onChange={(event: SelectEvent) =>
              pick(
                "tabWidth",
                oneOf(Number(event.currentTarget.value), TAB_WIDTHS, preferences.tabWidth),
              )}
          >
            {TAB_WIDTHS.map((width) => (
              <option key={width} value={String(width)}>{width} columns</option>
            ))}
          </select>
        </label>
        <label class="duet-check">
          <input
            type="checkbox"
            data-testid="pref-wrap"
            checked={preferences.lineWrapping}
            onChange={(event: TargetedEvent<HTMLInputElement>) =>
              pick("lineWrapping", event.currentTarget.checked)}
          />
          Wrap long lines
        </label>
      </form>
      <p class="duet-dialog__note">
        Kept in this browser only. Tab width is how wide a tab shows; how far a line indents follows
        the file (or its language), so that everyone writes the same file.
      </p>
    </ModalDialog>
  );
}
