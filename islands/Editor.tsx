import type { TargetedEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
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
  const [hydrated, setHydrated] = useState(false);
  const [sessionReady, setSessionReady] = useState(false);
  const [editorReady, setEditorReady] = useState(false);
  const [language, setLanguage] = useState<LanguageId>(props.language);
  const [name, setName] = useState("");
  const [color, setColor] = useState("");
  const [status, setStatus] = useState<ConnectionStatus>(INITIAL_STATUS);
  const [save, setSave] = useState<SaveState>(INITIAL_SAVE_STATE);
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [hint, setHint] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [showLinkField, setShowLinkField] = useState(false);
  const [runningSince, setRunningSince] = useState<number | null>(null);
  const [preferences, setPreferences] = useState<Preferences>(DEFAULT_PREFERENCES);
  const [panel, setPanel] = useState<"shortcuts" | "preferences" | null>(null);
  const [dialogs, setDialogs] = useState<Dialogs | null>(null);
  const [access, setAccess] = useState<RoomAccess | null>(null);

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
    setName(user.current.name);
    const loaded = loadPreferences(storage);
    setPreferences(loaded);
    applyTheme(document.documentElement, loaded.theme);
    setColor(user.current.color);
    setHydrated(true);

    import("./_editor/editor_session.ts").then(({ EditorSession }) => {
      if (
        disposed || !viewParent.current || !runFrame.current || !runList.current ||
        !runTimer.current
      ) return;
      session.current = new EditorSession({
        roomId: props.roomId,
        language: props.language,
        user: user.current,
        preferences: loaded,
        colorChosen: loadColorChoice(storage) !== null,
        onUser: (next) => {
          user.current = next;
          setColor(next.color);
        },
        container: viewParent.current,
        onStatus: (next) => setStatus(next),
        onSave: (next) => setSave(next),
        onParticipants: (next) => setParticipants(next),
        onLanguage: (next) => setLanguage(next),
        onHint: (next) => setHint(next),
        onEditorReady: () => setEditorReady(true),
        onRunning: (since) => setRunningSince(since),
        runElements: { frame: runFrame.current, list: runList.current, timer: runTimer.current },
        viewOnly: props.access === "view",
        onAccess: (now) => setAccess(now),
      });
      setSessionReady(true);
    }).catch((error: unknown) => {
      console.error("Could not load the editor", error);
      setStatus({ phase: "closed", text: "Could not load the editor" });
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
    if (panel === null || dialogs !== null) return;
    import("./_editor/load_dialogs.ts").then(({ loadDialogs }) => loadDialogs()).then(
      (loaded) => setDialogs(loaded),
      (error: unknown) => {
        console.warn("Could not load the dialog", error);
        setPanel(null);
      },
    );
  }, [panel]);

  // The key handler below is registered once; it reads the open panel here.
  const openPanel = useRef(panel);
  openPanel.current = panel;

  // ? opens the shortcut help from anywhere but a text field or the editor.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.defaultPrevented || openPanel.current !== null || isTextEntry(event.target)) return;
      event.preventDefault();
      setPanel("shortcuts");
    };
    addEventListener("keydown", onKeyDown);
    return () => removeEventListener("keydown", onKeyDown);
  }, []);

  useEffect(() => {
    if (!showLinkField) return;
    linkField.current?.focus();
    linkField.current?.select();
  }, [showLinkField]);

  const onLanguageChange = (
    event: TargetedEvent<HTMLSelectElement>,
  ) => {
    const value = event.currentTarget.value;
    const next = LANGUAGE_IDS.find((id) => id === value);
    if (next === undefined) return;
    setLanguage(next);
    session.current?.setLanguage(next);
  };

  const onNameInput = (event: TargetedEvent<HTMLInputElement>) => {
    const typed = event.currentTarget.value;
    setName(typed);
    const normalized = normalizeName(typed);
    if (normalized === "") return;
    user.current = presenceUser(normalized, user.current.color);
    saveName(browserStorage(), normalized);
    session.current?.setUser(user.current);
  };

  // An emptied field falls back to the last name the others saw.
  const onNameBlur = () => {
    if (normalizeName(name) === "") setName(user.current.name);
  };

  const onPreferencesChange = (next: Preferences) => {
    setPreferences(next);
    savePreferences(browserStorage(), next);
    applyTheme(document.documentElement, next.theme);
    session.current?.setPreferences(next);
  };

  const onPickColor = (next: string) => {
    setColor(next);
    user.current = presenceUser(user.current.name, next);
    saveColorChoice(browserStorage(), next);
    session.current?.setUser(user.current);
  };

  const onCopyLink = () => {
    const done = () => {
      setCopied(true);
      clearTimeout(copiedTimer.current);
      copiedTimer.current = setTimeout(
        () => setCopied(false),
        COPIED_FOR_MS,
      );
    };
    const fallBack = (error: unknown) => {
      console.debug("Clipboard unavailable, showing the link instead", error);
      setShowLinkField(true);
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
    setRunningSince(Date.now());
    session.current?.run();
  };

  const onOwnerSettings = () => {
    if (!ownerPanel.current || !ownerButton.current) return;
    session.current?.toggleOwnerPanel(ownerPanel.current, ownerButton.current).catch(
      (error: unknown) => console.error("Could not load the owner settings", error),
    );
  };

  const now = access;
  const accessNote = props.access === "view"
    ? "View only"
    : now?.locked
    ? (now.mayEdit ? "Locked: only you edit" : "Locked by the owner: view only")
    : null;

  const statusPhase = status.phase;
  const runnable = isRunnable(language);
  const running = runningSince;
  const people = participants;
  const suggestion = hint;

  return (
    <div
      class="duet-editor"
      data-hydrated={hydrated ? "true" : "false"}
      data-editor={editorReady ? "live" : "fallback"}
      style={preferences.fontSize === DEFAULT_PREFERENCES.fontSize
        ? undefined
        : { "--duet-code-size": `${preferences.fontSize / 16}rem` }}
    >
      <div class="duet-toolbar">
        <label class="duet-field">
          <span class="duet-field__label">Language</span>
          <select
            class="duet-select"
            data-testid="language"
            value={language}
            disabled={!sessionReady}
            onChange={onLanguageChange}
          >
            {LANGUAGE_IDS.map((id) => (
              <option key={id} value={id} selected={id === language}>
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
            value={name}
            maxLength={MAX_NAME_LENGTH}
            autocomplete="nickname"
            placeholder="Your name"
            disabled={!hydrated}
            onInput={onNameInput}
            onBlur={onNameBlur}
          />
        </label>
        <div class="duet-share">
          <button
            type="button"
            class="duet-button"
            data-testid="copy-link"
            data-copied={copied ? "true" : "false"}
            disabled={!hydrated}
            onClick={onCopyLink}
          >
            {copied ? "Copied!" : "Copy link"}
          </button>
          {showLinkField && (
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
            disabled={!hydrated}
            onClick={() => setPanel("shortcuts")}
          >
            Shortcuts
          </button>
          <button
            type="button"
            class="duet-button duet-button--quiet"
            data-testid="preferences-button"
            disabled={!hydrated}
            onClick={() => setPanel("preferences")}
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
            disabled={!sessionReady}
            onClick={onOwnerSettings}
          >
            Owner settings
          </button>
        )}
        <p
          class="duet-save"
          data-testid="save-state"
          data-phase={save.phase}
          title={save.detail}
          aria-live="polite"
          hidden={!sessionReady}
        >
          {save.text}
          <span class="duet-visually-hidden">. {save.detail}</span>
        </p>
        <p
          class="duet-status"
          data-testid="status"
          data-phase={statusPhase}
          role="status"
        >
          <span class="duet-status__dot" aria-hidden="true" />
          <span class="duet-status__text">{status.text}</span>
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
          {!editorReady && (
            <pre class="code-fallback"><code data-island-text="code">{props.code}</code></pre>
          )}
          <div ref={viewParent} class="duet-code__view" />
        </div>

        <PresencePanel
          people={people}
          roomUrl={props.roomUrl}
          ready={editorReady}
          color={color}
          copied={copied}
          disabled={!hydrated}
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
            disabled={!editorReady || !runnable || running !== null}
            title={runnable
              ? "Runs the code in your browser's sandbox; everyone here sees the output"
              : undefined}
            onClick={onRun}
          >
            {runnable ? "Run" : `Run: not available for ${LANGUAGE_LABELS[language]}`}
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

      {dialogs !== null && (
        <>
          <dialogs.KeyboardHelp
            open={panel === "shortcuts"}
            onClose={() => setPanel(null)}
          />
          <dialogs.PreferencesPanel
            open={panel === "preferences"}
            onClose={() => setPanel(null)}
            preferences={preferences}
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
