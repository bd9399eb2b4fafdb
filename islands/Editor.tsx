import type { TargetedEvent } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import {
  isRunnable,
  LANGUAGE_IDS,
  LANGUAGE_LABELS,
  type LanguageId,
} from "../lib/shared/languages.ts";
import {
  loadColorChoice,
  loadPresenceUser,
  MAX_NAME_LENGTH,
  normalizeName,
  type Participant,
  presenceUser,
  saveColorChoice,
  saveName,
} from "./_editor/presence.ts";
import PresencePanel from "./_editor/PresencePanel.tsx";
import type { EditorSession, RoomAccess } from "./_editor/editor_session.ts";
import { type ConnectionStatus, INITIAL_STATUS } from "./_editor/connection_status.ts";
import { INITIAL_SAVE_STATE, type SaveState } from "./_editor/save_state.ts";
import {
  applyTheme,
  DEFAULT_PREFERENCES,
  loadPreferences,
  type Preferences,
  savePreferences,
} from "./_editor/preferences.ts";
import type { Dialogs } from "./_editor/load_dialogs.ts";

/** Props the server renders the editor island with. */
export interface EditorProps {
  roomId: string;
  language: LanguageId;
  /** The file as last saved, shown until the live document has synced. */
  code: string;
  /** Absolute link to share the room (the one this page was opened with). */
  roomUrl: string;
  /** `view`: opened through the read-only link. */
  access: "edit" | "view";
}

/** Stylesheets a page with this island links (read on the server, from the manifest). */
export const stylesheets: string[] = ["/editor.css"];

const COPIED_FOR_MS = 2000;

/** The collaborative code editor of a room: toolbar, presence, editor and autocomplete hint. */
export default function Editor(props: EditorProps) {
  const hydrated = useSignal(false);
  const sessionReady = useSignal(false);
  const editorReady = useSignal(false);
  const language = useSignal<LanguageId>(props.language);
  const name = useSignal("");
  const color = useSignal("");
  const status = useSignal<ConnectionStatus>(INITIAL_STATUS);
  const save = useSignal<SaveState>(INITIAL_SAVE_STATE);
  const participants = useSignal<Participant[]>([]);
  const hint = useSignal<string | null>(null);
  const copied = useSignal(false);
  const showLinkField = useSignal(false);
  const runningSince = useSignal<number | null>(null);
  const preferences = useSignal<Preferences>(DEFAULT_PREFERENCES);
  const panel = useSignal<"shortcuts" | "preferences" | null>(null);
  const dialogs = useSignal<Dialogs | null>(null);
  const access = useSignal<RoomAccess | null>(null);

  const viewParent = useRef<HTMLDivElement>(null);
  const runFrame = useRef<HTMLDivElement>(null);
  const runList = useRef<HTMLOListElement>(null);
  const runTimer = useRef<HTMLSpanElement>(null);
  const linkField = useRef<HTMLInputElement>(null);
  const ownerPanel = useRef<HTMLDivElement>(null);
  const ownerButton = useRef<HTMLButtonElement>(null);
  const session = useRef<EditorSession | null>(null);
  const user = useRef(presenceUser("", ""));
  const copiedTimer = useRef<ReturnType<typeof setTimeout> | undefined>(
    undefined,
  );

  useEffect(() => {
    let disposed = false;
    const storage = browserStorage();
    user.current = loadPresenceUser({ storage });
    name.value = user.current.name;
    preferences.value = loadPreferences(storage);
    applyTheme(document.documentElement, preferences.value.theme);
    color.value = user.current.color;
    hydrated.value = true;

    import("./_editor/editor_session.ts").then(({ EditorSession }) => {
      if (
        disposed || !viewParent.current || !runFrame.current || !runList.current ||
        !runTimer.current
      ) return;
      session.current = new EditorSession({
        roomId: props.roomId,
        language: props.language,
        user: user.current,
        preferences: preferences.value,
        colorChosen: loadColorChoice(storage) !== null,
        onUser: (next) => {
          user.current = next;
          color.value = next.color;
        },
        container: viewParent.current,
        onStatus: (next) => status.value = next,
        onSave: (next) => save.value = next,
        onParticipants: (next) => participants.value = next,
        onLanguage: (next) => language.value = next,
        onHint: (next) => hint.value = next,
        onEditorReady: () => editorReady.value = true,
        onRunning: (since) => runningSince.value = since,
        runElements: { frame: runFrame.current, list: runList.current, timer: runTimer.current },
        viewOnly: props.access === "view",
        onAccess: (now) => access.value = now,
      });
      sessionReady.value = true;
    }).catch((error: unknown) => {
      console.error("Could not load the editor", error);
      status.value = { phase: "closed", text: "Could not load the editor" };
    });

    return () => {
      disposed = true;
      clearTimeout(copiedTimer.current);
      session.current?.destroy();
      session.current = null;
    };
  }, [props.roomId]);

  // The dialogs download when one is first opened.
  useEffect(() => {
    if (panel.value === null || dialogs.value !== null) return;
    import("./_editor/load_dialogs.ts").then(({ loadDialogs }) => loadDialogs()).then(
      (loaded) => dialogs.value = loaded,
      (error: unknown) => {
        console.warn("Could not load the dialog", error);
        panel.value = null;
      },
    );
  }, [panel.value]);

  // ? opens the shortcut help from anywhere but a text field or the editor.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.defaultPrevented || panel.value !== null || isTextEntry(event.target)) return;
      event.preventDefault();
      panel.value = "shortcuts";
    };
    addEventListener("keydown", onKeyDown);
    return () => removeEventListener("keydown", onKeyDown);
  }, []);

  useEffect(() => {
    if (!showLinkField.value) return;
    linkField.current?.focus();
    linkField.current?.select();
  }, [showLinkField.value]);

  const onLanguageChange = (
    event: TargetedEvent<HTMLSelectElement>,
  ) => {
    const value = event.currentTarget.value;
    const next = LANGUAGE_IDS.find((id) => id === value);
    if (next === undefined) return;
    language.value = next;
    session.current?.setLanguage(next);
  };

  const onNameInput = (event: TargetedEvent<HTMLInputElement>) => {
    name.value = event.currentTarget.value;
    const normalized = normalizeName(name.value);
    if (normalized === "") return;
    user.current = presenceUser(normalized, user.current.color);
    saveName(browserStorage(), normalized);
    session.current?.setUser(user.current);
  };

  // An emptied field falls back to the last name the others saw.
  const onNameBlur = () => {
    if (normalizeName(name.value) === "") name.value = user.current.name;
  };

  const onPreferencesChange = (next: Preferences) => {
    preferences.value = next;
    savePreferences(browserStorage(), next);
    applyTheme(document.documentElement, next.theme);
    session.current?.setPreferences(next);
  };

  const onPickColor = (next: string) => {
    color.value = next;
    user.current = presenceUser(user.current.name, next);
    saveColorChoice(browserStorage(), next);
    session.current?.setUser(user.current);
  };

  const onCopyLink = () => {
    const done = () => {
      copied.value = true;
      clearTimeout(copiedTimer.current);
      copiedTimer.current = setTimeout(
        () => copied.value = false,
        COPIED_FOR_MS,
      );
    };
    const fallBack = (error: unknown) => {
      console.debug("Clipboard unavailable, showing the link instead", error);
      showLinkField.value = true;
      linkField.current?.focus();
      linkField.current?.select();
    };
    if (navigator.clipboard === undefined) {
      fallBack(new Error("navigator.clipboard is undefined"));
      return;
    }
    navigator.clipboard.writeText(props.roomUrl).then(done, fallBack);
  };

  const onRun = () => {
    runningSince.value = Date.now();
    session.current?.run();
  };

  const onOwnerSettings = () => {
    if (!ownerPanel.current || !ownerButton.current) return;
    session.current?.toggleOwnerPanel(ownerPanel.current, ownerButton.current).catch(
      (error: unknown) => console.error("Could not load the owner settings", error),
    );
  };

  const now = access.value;
  const accessNote = props.access === "view"
    ? "View only"
    : now?.locked
    ? (now.mayEdit ? "Locked: only you edit" : "Locked by the owner: view only")
    : null;

  const statusPhase = status.value.phase;
  const runnable = isRunnable(language.value);
  const running = runningSince.value;
  const people = participants.value;
  const suggestion = hint.value;

  return (
    <div
      class="duet-editor"
      data-hydrated={hydrated.value ? "true" : "false"}
      data-editor={editorReady.value ? "live" : "fallback"}
      style={preferences.value.fontSize === DEFAULT_PREFERENCES.fontSize
        ? undefined
        : { "--duet-code-size": `${preferences.value.fontSize / 16}rem` }}
    >
      <div class="duet-toolbar">
        <label class="duet-field">
          <span class="duet-field__label">Language</span>
          <select
            class="duet-select"
            data-testid="language"
            value={language.value}
            disabled={!sessionReady.value}
            onChange={onLanguageChange}
          >
            {LANGUAGE_IDS.map((id) => (
              <option key={id} value={id} selected={id === language.value}>
                {LANGUAGE_LABELS[id]}
              </option>
            ))}
          </select>
        </label>
        <label class="duet-field">
          <span class="duet-field__label">Your name</span>
          <input
            class="duet-input"
            data-testid="name"
            type="text"
            value={name.value}
            maxLength={MAX_NAME_LENGTH}
            autocomplete="nickname"
            placeholder="Your name"
            disabled={!hydrated.value}
            onInput={onNameInput}
            onBlur={onNameBlur}
          />
        </label>
        <div class="duet-share">
          <button
            type="button"
            class="duet-button"
            data-testid="copy-link"
            data-copied={copied.value ? "true" : "false"}
            disabled={!hydrated.value}
            onClick={onCopyLink}
          >
            {copied.value ? "Copied!" : "Copy link"}
          </button>
          {showLinkField.value && (
            <input
              ref={linkField}
              class="duet-input duet-share__link"
              data-testid="room-link"
              type="text"
              readOnly
              value={props.roomUrl}
              aria-label="Room link, selected for copying"
              onFocus={(event) => event.currentTarget.select()}
            />
          )}
        </div>
        <div class="duet-tools">
          <button
            type="button"
            class="duet-button duet-button--quiet"
            data-testid="shortcuts-button"
            aria-keyshortcuts="?"
            disabled={!hydrated.value}
            onClick={() => panel.value = "shortcuts"}
          >
            Shortcuts
          </button>
          <button
            type="button"
            class="duet-button duet-button--quiet"
            data-testid="preferences-button"
            disabled={!hydrated.value}
            onClick={() => panel.value = "preferences"}
          >
            Preferences
          </button>
        </div>
        {accessNote !== null && (
          <p class="duet-access" data-testid="access" role="status">{accessNote}</p>
        )}
        {props.access === "edit" && (
          <button
            type="button"
            class="duet-button"
            ref={ownerButton}
            data-testid="owner-settings"
            aria-expanded="false"
            aria-controls="duet-owner-panel"
            disabled={!sessionReady.value}
            onClick={onOwnerSettings}
          >
            Owner settings
          </button>
        )}
        <p
          class="duet-save"
          data-testid="save-state"
          data-phase={save.value.phase}
          title={save.value.detail}
          aria-live="polite"
          hidden={!sessionReady.value}
        >
          {save.value.text}
          <span class="duet-visually-hidden">. {save.value.detail}</span>
        </p>
        <p
          class="duet-status"
          data-testid="status"
          data-phase={statusPhase}
          role="status"
        >
          <span class="duet-status__dot" aria-hidden="true" />
          <span class="duet-status__text">{status.value.text}</span>
        </p>
      </div>

      <section
        ref={ownerPanel}
        id="duet-owner-panel"
        class="duet-owner"
        aria-label="Owner settings"
        data-testid="owner-panel"
        hidden
      />

      <div class="duet-workspace">
        <div class="duet-code">
          {!editorReady.value && (
            <pre class="code-fallback"><code data-island-text="code">{props.code}</code></pre>
          )}
          <div ref={viewParent} class="duet-code__view" />
        </div>

        <PresencePanel
          people={people}
          roomUrl={props.roomUrl}
          ready={editorReady.value}
          color={color.value}
          copied={copied.value}
          disabled={!hydrated.value}
          onCopyLink={onCopyLink}
          onPickColor={onPickColor}
        />
      </div>

      <section class="duet-run" aria-label="Run">
        <div class="duet-run__bar">
          <button
            type="button"
            class="duet-button"
            data-testid="run"
            disabled={!editorReady.value || !runnable || running !== null}
            title={runnable
              ? "Runs the code in your browser's sandbox; everyone here sees the output"
              : undefined}
            onClick={onRun}
          >
            {runnable ? "Run" : `Run: not available for ${LANGUAGE_LABELS[language.value]}`}
          </button>
          {running !== null && (
            <button
              type="button"
              class="duet-button"
              data-testid="stop"
              onClick={() => session.current?.stopRun()}
            >
              Stop
            </button>
          )}
          <span ref={runTimer} class="duet-run__timer" data-testid="run-timer" />
        </div>
        <div ref={runFrame} class="duet-run__sandbox" />
        {/* The run code draws the runs here when it loads (run_view.ts). */}
        <ol ref={runList} class="duet-run__list" data-testid="run-output" aria-live="polite" />
      </section>

      {dialogs.value !== null && (
        <>
          <dialogs.value.KeyboardHelp
            open={panel.value === "shortcuts"}
            onClose={() => panel.value = null}
          />
          <dialogs.value.PreferencesPanel
            open={panel.value === "preferences"}
            onClose={() => panel.value = null}
            preferences={preferences.value}
            onChange={onPreferencesChange}
          />
        </>
      )}

      <div
        class="duet-hint"
        data-testid="hint"
        data-state={suggestion === null ? "hidden" : "shown"}
        aria-live="polite"
      >
        {suggestion !== null && (
          <>
            <span class="duet-hint__keys">
              <kbd>Tab</kbd> to insert · <kbd>Esc</kbd> to dismiss
            </span>
            <code class="duet-hint__code">{suggestion}</code>
          </>
        )}
      </div>
    </div>
  );
}

function isTextEntry(target: EventTarget | null): boolean {
  return target instanceof HTMLElement &&
    (target.isContentEditable || target.closest("input, textarea, select") !== null);
}

// Reading localStorage throws when the browser blocks storage for the site.
function browserStorage(): Storage | null {
  try {
    const storage: Storage | undefined = globalThis.localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}
