/**
 * Everything the editor island does in the browser once it has hydrated: the
 * room connection, presence, the language setting and the CodeMirror view.
 * The island imports this module dynamically, so none of it is in the
 * hydration bundle and none of it runs on the server.
 *
 * @module
 */
import * as Y from "yjs";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  lineNumbers,
} from "@codemirror/view";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import { collaboration } from "./collaboration.ts";
import { isLanguageId, type LanguageId } from "../../lib/shared/languages.ts";
import { AccessFlag, SOCKET_PATH } from "../../lib/shared/wire.ts";
import type { Hint } from "./autocomplete_hint.ts";
import {
  DARK_SCHEME_QUERY,
  editorTheme,
  loadDarkHighlight,
  schemeExtension,
} from "./editor_theme.ts";
import { holdKeys, holdKeysAgain, type KeyReplay, releaseHeldKeys } from "./held_keys.ts";
import { languageIndentation } from "./indentation.ts";
import { loadKeyBindings } from "./key_bindings.ts";
import { isDark, type Preferences } from "./preferences.ts";
import { loadedLanguage, loadLanguage } from "./load_language.ts";
import type { ActivityTracker } from "./activity.ts";
import {
  IDLE_MS,
  leastUsedColor,
  type Participant,
  participantsFrom,
  type PresenceUser,
} from "./presence.ts";
import { type ConnectionStatus, RoomConnection } from "./room_connection.ts";
import { INITIAL_SAVE_STATE, type SaveState } from "./save_state.ts";
import type { RunController } from "./run/run_controller.ts";

/** Options for {@linkcode EditorSession}. */
export interface EditorSessionOptions {
  roomId: string;
  /** The language the page was rendered with, used until the room says otherwise. */
  language: LanguageId;
  /** Who the local participant is. */
  user: PresenceUser;
  /** This browser's editor preferences. */
  preferences: Preferences;
  /**
   * Whether the person picked `user.color`; if not, the session changes it to
   * the colour least used in the room once it knows who is there.
   */
  colorChosen: boolean;
  /** The session changed the local participant (the colour it picked in the room). */
  onUser?: (user: PresenceUser) => void;
  /** Empty element the editor view is mounted into after the first sync. */
  container: HTMLElement;
  onStatus: (status: ConnectionStatus) => void;
  /** Whether this person's edits are saved yet. */
  onSave: (state: SaveState) => void;
  onParticipants: (participants: Participant[]) => void;
  onLanguage: (language: LanguageId) => void;
  /** The shown autocomplete suggestion, or `null` when none is shown. */
  onHint: (suggestion: string | null) => void;
  /** The editor view replaced the static fallback. */
  onEditorReady: () => void;
  /** Whether a run of ours is going, and since when (`Date.now()`), or `null`. */
  onRunning: (startedAt: number | null) => void;
  /** Where the run code puts the (hidden) sandbox frame, the runs, and the running time. */
  runElements: { frame: HTMLElement; list: HTMLElement; timer: HTMLElement };
  /** Came through the read-only link: the editor never takes typing. */
  viewOnly?: boolean;
  /** What the server says this connection may do: on join and whenever the owner changes it. */
  onAccess?: (access: RoomAccess) => void;
}

/** What the server says a connection may do in its room. */
export interface RoomAccess {
  /** The owner has locked the room. */
  locked: boolean;
  /** This connection may edit (the owner may, in a locked room). */
  mayEdit: boolean;
}

/** Whether `localStorage` holds `name` (storage blocked: no). */
function hasItem(name: string): boolean {
  try {
    return localStorage.getItem(name) !== null;
  } catch {
    return false;
  }
}

/** One participant's live session in a room. */
export class EditorSession {
  readonly #options: EditorSessionOptions;
  readonly #connection: RoomConnection;
  readonly #text: Y.Text;
  readonly #settings: Y.Map<unknown>;
  readonly #darkScheme: MediaQueryList;
  readonly #languageSlot = new Compartment();
  readonly #schemeSlot = new Compartment();
  readonly #editableSlot = new Compartment();
  readonly #typingSlot = new Compartment();
  readonly #searchSlot = new Compartment();
  readonly #indentSlot = new Compartment();
  readonly #layoutSlot = new Compartment();
  readonly #keyBindingsSlot = new Compartment();
  readonly #caretSlot = new Compartment();
  #carets: Extension | null = null;
  #caretsRequested = false;
  #typingRequested = false;
  #preferences: Preferences;
  #languageLoaded: Promise<void>;
  /** Settles once typing support, key bindings and language mode are in place; `null` until asked for. */
  #typingReady: Promise<void> | null = null;
  /** Plays held keys; until the bindings have loaded, drops them (their load failed). */
  #replayKeys: KeyReplay = () =>
    console.warn("The editor's key bindings did not load; keys dropped");
  #language: LanguageId;
  #user: PresenceUser;
  #view: EditorView | null = null;
  #destroyed = false;
  #save: SaveState = INITIAL_SAVE_STATE;
  #runs: Promise<RunController> | null = null;
  #activity: ActivityTracker | null = null;
  #activityRequested = false;
  readonly #startedAt = Date.now();
  /** Landed here from "Create room": the form's redirect carries the owner key in the fragment. */
  readonly #created = location.hash.startsWith("#owner=");
  #idleTimer: ReturnType<typeof setTimeout>;
  /** What the server last said: may this connection edit? */
  #mayEdit: boolean;

  constructor(options: EditorSessionOptions) {
    this.#options = options;
    this.#language = options.language;
    this.#user = options.user;
    this.#preferences = options.preferences;
    this.#mayEdit = !options.viewOnly;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.#connection = new RoomConnection(options.roomId, {
      serverUrl: `${scheme}://${location.host}${SOCKET_PATH}`,
      window,
      onStatus: this.#onStatus,
      onFirstSync: this.#onFirstSync,
      onRunMessage: this.#onRunMessage,
      // Only a page that may hold the key loads the code that proves it.
      // A key arrives as #owner=… or is kept by link id (see owner_key.ts).
      ownerProof: !options.viewOnly &&
          (this.#created || hasItem(`duet.ownerKey.${options.roomId}`))
        ? import("./owner_key.ts").then(({ ownerProof }) => ownerProof(options.roomId))
        : undefined,
      onAccess: (flags) => {
        this.#mayEdit = (flags & AccessFlag.mayEdit) !== 0;
        this.#view?.dispatch({ effects: this.#editableSlot.reconfigure(this.#editable()) });
        this.#options.onAccess?.({
          locked: (flags & AccessFlag.locked) !== 0,
          mayEdit: this.#mayEdit,
        });
      },
      onSave: (state) => {
        this.#save = state;
        this.#options.onSave(state);
      },
    });
    const { doc, provider } = this.#connection;
    this.#text = doc.getText("code");
    this.#settings = doc.getMap("settings");
    this.#settings.observe(this.#onSettingsChange);
    provider.awareness.on("change", this.#onAwarenessChange);
    provider.awareness.setLocalStateField("user", this.#user);
    // Activity (see #loadActivity) is tracked from the first input, the page
    // being hidden, or a minute without input, whichever comes first.
    this.#idleTimer = setTimeout(this.#loadActivity, IDLE_MS);
    document.addEventListener("visibilitychange", this.#onVisibilityChange);
    this.#darkScheme = matchMedia(DARK_SCHEME_QUERY);
    this.#darkScheme.addEventListener("change", this.#onSchemeChange);
    if (this.#dark()) this.#loadDarkHighlight();
    addEventListener("pagehide", this.#onPageHide);
    addEventListener("pageshow", this.#onPageShow);
    addEventListener("beforeunload", this.#onBeforeUnload);
    // Fetch the language chunk while the socket connects.
    this.#languageLoaded = this.#applyLanguage(this.#language);
  }

  /** Sets the room language for everyone. */
  setLanguage(language: LanguageId): void {
    this.#connection.doc.transact(() => {
      this.#settings.set("language", language);
    });
  }

  /** Applies changed preferences to the editor at once. */
  setPreferences(preferences: Preferences): void {
    const before = this.#preferences;
    this.#preferences = preferences;
    const view = this.#view;
    if (view === null) return;
    view.dispatch({
      effects: this.#layoutSlot.reconfigure(layout(preferences)),
    });
    this.#onSchemeChange();
    if (preferences.keyBindings !== before.keyBindings) {
      const installed = this.#installKeyBindings().catch((error: unknown) => {
        console.warn(`Could not load the ${preferences.keyBindings} key bindings`, error);
      });
      // Until typing support is asked for, keys are held anyway (and then
      // wait for the current choice); after, they wait for the new bindings.
      if (this.#typingReady !== null) {
        holdKeysAgain(view);
        Promise.all([this.#typingReady, installed]).finally(() => {
          if (this.#view !== null) releaseHeldKeys(this.#view, this.#replayKeys);
        });
      }
    }
  }

  /** Changes how the local participant appears to others. */
  setUser(user: PresenceUser): void {
    this.#user = user;
    this.#connection.provider.awareness.setLocalStateField("user", user);
  }

  /**
   * Runs the room's code as it is now in the browser's sandbox, for everyone
   * in the room to see; the runner loads on the first call.
   */
  run(): void {
    const language = this.#language;
    const code = this.#text.toString();
    this.#loadRuns().then((runs) => runs.start(language, code, this.#user.name)).catch(
      (error: unknown) => {
        console.error("Could not load the runner", error);
        this.#options.onRunning(null);
      },
    );
  }

  /** Stops this person's run. */
  stopRun(): void {
    this.#runs?.then((runs) => runs.stop()).catch(() => {});
  }

  /** Leaves the room and removes the editor. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearTimeout(this.#idleTimer);
    this.#activity?.destroy();
    document.removeEventListener("visibilitychange", this.#onVisibilityChange);
    removeEventListener("pagehide", this.#onPageHide);
    removeEventListener("pageshow", this.#onPageShow);
    removeEventListener("beforeunload", this.#onBeforeUnload);
    this.#darkScheme.removeEventListener("change", this.#onSchemeChange);
    this.#settings.unobserve(this.#onSettingsChange);
    this.#connection.provider.awareness.off("change", this.#onAwarenessChange);
    this.#view?.destroy();
    this.#view = null;
    this.#connection.destroy();
    this.#runs?.then((runs) => runs.destroy()).catch(() => {});
  }

  #onRunMessage = (body: Uint8Array): void => {
    // The body is a view of the socket's buffer: keep a copy. Messages keep
    // their order: callbacks on one promise run in the order they were added.
    const message = body.slice();
    this.#loadRuns().then((runs) => runs.receive(message)).catch((error: unknown) =>
      console.warn("Could not show the room's runs", error)
    );
  };

  /** The run code (and zod, which it checks messages with) loads on first use. */
  #loadRuns(): Promise<RunController> {
    return this.#runs ??= import("./run/run_controller.ts").then(({ RunController }) =>
      new RunController({
        connection: this.#connection,
        container: this.#options.runElements.frame,
        list: this.#options.runElements.list,
        timer: this.#options.runElements.timer,
        onRunning: this.#options.onRunning,
      })
    );
  }

  /** Read-only once the session closed, or while the server says this connection may not edit. */
  #editable(): Extension {
    return this.#connection.closed || !this.#mayEdit ? readOnly() : [];
  }

  /** Shows or hides the owner panel in `container`; its code loads on first use. */
  async toggleOwnerPanel(container: HTMLElement, toggle: HTMLElement): Promise<void> {
    (await import("./owner_panel.ts")).toggleOwnerPanel(container, toggle, this.#options.roomId);
  }

  // Leaving with changes the server has not confirmed would lose them.
  #onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (this.#save.phase !== "saved") event.preventDefault();
  };

  #onStatus = (status: ConnectionStatus): void => {
    this.#options.onStatus(status);

    if (status.phase === "closed") {
      // Nothing typed from now on would reach anyone.
      this.#view?.dispatch({
        effects: this.#editableSlot.reconfigure(readOnly()),
      });
    }
  };

  #onFirstSync = (): void => {
    if (this.#destroyed) return;
    this.#pickColor();
    this.#readLanguage();
    this.#mountView();
    // Landed here from "Create room": the editor takes focus. Read when the
    // session began, since owner_key.ts takes the key out of the address bar.
    if (this.#created) this.#view?.focus();
    this.#options.onEditorReady();
  };

  #onSettingsChange = (): void => {
    this.#readLanguage();
  };

  #onAwarenessChange = (): void => {
    const { awareness } = this.#connection.provider;
    this.#options.onParticipants(
      participantsFrom(awareness.getStates(), awareness.clientID),
    );
    if (this.#caretsRequested) return;
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId !== awareness.clientID && state.cursor != null) this.#loadCarets();
    }
  };

  #onSchemeChange = (): void => {
    this.#view?.dispatch({
      effects: this.#schemeSlot.reconfigure(schemeExtension(this.#dark())),
    });
    if (this.#dark()) this.#loadDarkHighlight();
  };

  // The dark syntax colours load when the page is first dark (in parallel
  // with connecting, for a page that opens dark), then replace the plain
  // colour the code showed meanwhile.
  #loadDarkHighlight(): void {
    loadDarkHighlight().then(() => {
      if (this.#destroyed || !this.#dark()) return;
      this.#view?.dispatch({ effects: this.#schemeSlot.reconfigure(schemeExtension(true)) });
    }).catch((error: unknown) => {
      console.warn("Could not load the dark syntax colours", error);
    });
  }

  #dark(): boolean {
    return isDark(this.#preferences.theme, this.#darkScheme.matches);
  }

  // Tell the others right away that we left, instead of letting our presence
  // time out after 30 s.
  #onPageHide = (): void => {
    this.#connection.provider.awareness.setLocalState(null);
  };

  #onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) {
      this.#connection.provider.awareness.setLocalState({
        user: this.#user,
        ...(this.#activity && { activity: this.#activity.activity }),
      });
    }
  };

  #onVisibilityChange = (): void => {
    if (this.#activity === null) this.#loadActivity();
    this.#activity?.setHidden(document.visibilityState === "hidden");
  };

  #interacted = (): void => {
    if (this.#activity === null) this.#loadActivity();
    this.#activity?.interacted();
  };

  // Until the tracker loads, presence carries no `activity`, which reads as
  // "active": true before the first input, and before a minute has passed.
  #loadActivity = (): void => {
    if (this.#activityRequested) return;
    this.#activityRequested = true;
    clearTimeout(this.#idleTimer);
    const { awareness } = this.#connection.provider;
    import("./activity.ts").then(({ ActivityTracker }) => {
      if (this.#destroyed) return;
      this.#activity = new ActivityTracker({
        hidden: document.visibilityState === "hidden",
        inputAt: this.#startedAt,
        onChange: (activity) => awareness.setLocalStateField("activity", activity),
      });
      awareness.setLocalStateField("activity", this.#activity.activity);
    }).catch((error: unknown) => {
      console.warn("Could not load activity tracking", error);
    });
  };

  // The room's presence arrives before the first sync completes, so by now
  // the others' colours are known.
  #pickColor(): void {
    if (this.#options.colorChosen) return;
    const { awareness } = this.#connection.provider;
    const others: string[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      const color = state.user?.color;
      if (clientId !== awareness.clientID && typeof color === "string") others.push(color);
    }
    const color = leastUsedColor(others, awareness.clientID);
    if (color === this.#user.color) return;
    this.setUser({ ...this.#user, color, colorLight: `${color}33` });
    this.#options.onUser?.(this.#user);
  }

  /** Adopts the room's language; unknown values are ignored. */
  #readLanguage(): void {
    const language = this.#settings.get("language");
    if (!isLanguageId(language) || language === this.#language) return;
    this.#languageLoaded = this.#applyLanguage(language);
    this.#options.onLanguage(language);
  }

  #applyLanguage(language: LanguageId): Promise<void> {
    this.#language = language;
    this.#view?.dispatch({ effects: this.#indentSlot.reconfigure(languageIndentation(language)) });
    return loadLanguage(language).then((extension) => {
      // A later switch wins over a slower earlier load.
      if (this.#destroyed || this.#language !== language) return;
      this.#view?.dispatch({
        effects: this.#languageSlot.reconfigure(extension),
      });
    }).catch((error: unknown) => {
      console.warn(`Could not load the ${language} editor mode`, error);
    });
  }

  #mountView(): void {
    const { provider } = this.#connection;
    const undoManager = new Y.UndoManager(this.#text);
    const state = EditorState.create({
      doc: this.#text.toString(),
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        drawSelection(),
        dropCursor(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        // Search keys and selection matches (lazy_search.ts) come with typing support.
        this.#searchSlot.of([]),
        this.#languageSlot.of(loadedLanguage(this.#language) ?? []),
        this.#indentSlot.of(languageIndentation(this.#language)),
        // Vim, Emacs or VS Code bindings when chosen: see key_bindings.ts.
        this.#keyBindingsSlot.of([]),
        // The other key bindings, bracket closing and the hint: see typing_support.ts.
        this.#typingSlot.of([]),
        holdKeys({ load: this.#loadTypingSupport }),
        // Others' carets, and publishing ours: see #loadCarets.
        this.#caretSlot.of(this.#carets ?? []),
        EditorView.domEventHandlers({
          focus: this.#onFirstUse,
          pointerover: this.#onFirstUse,
          keydown: this.#interacted,
          pointerdown: this.#interacted,
          wheel: this.#interacted,
        }),
        EditorView.updateListener.of((update) => {
          if (
            update.docChanged &&
            update.transactions.some((tr) =>
              tr.isUserEvent("input") || tr.isUserEvent("delete") || tr.isUserEvent("undo") ||
              tr.isUserEvent("redo")
            )
          ) {
            if (this.#activity === null) this.#loadActivity();
            this.#activity?.typed();
          }
        }),
        this.#layoutSlot.of(layout(this.#preferences)),
        this.#schemeSlot.of(schemeExtension(this.#dark())),
        this.#editableSlot.of(this.#editable()),
        editorTheme,
        EditorView.contentAttributes.of({ "aria-label": "Code editor" }),
        // Undo goes through Yjs so that it only undoes this participant's edits.
        collaboration({ text: this.#text, awareness: provider.awareness, undoManager }),
      ],
    });
    this.#view = new EditorView({ state, parent: this.#options.container });
    if (this.#dark()) this.#loadDarkHighlight();
    // Someone who chose other key bindings gets them with the editor.
    if (this.#preferences.keyBindings !== "default") this.#loadTypingSupport();
  }

  /** Puts the chosen key bindings in place; a later choice wins over a slower earlier load. */
  async #installKeyBindings(): Promise<void> {
    const choice = this.#preferences.keyBindings;
    const extension = await loadKeyBindings(choice);
    if (this.#destroyed || this.#view === null || this.#preferences.keyBindings !== choice) return;
    this.#view.dispatch({ effects: this.#keyBindingsSlot.reconfigure(extension) });
  }

  #onFirstUse = (): void => {
    this.#loadTypingSupport();
    this.#loadCarets();
  };

  // Remote carets load when someone else's cursor is first in presence, or
  // when this editor is first used (the local cursor is only published while
  // it has focus), so a room one is alone in and only reads never loads them.
  #loadCarets = (): void => {
    if (this.#caretsRequested) return;
    this.#caretsRequested = true;
    const text = this.#text;
    const { awareness } = this.#connection.provider;
    import("./remote_carets.ts").then(({ remoteCarets }) => {
      if (this.#destroyed) return;
      this.#carets = remoteCarets({ text, awareness });
      this.#view?.dispatch({ effects: this.#caretSlot.reconfigure(this.#carets) });
    }).catch((error: unknown) => {
      console.warn("Could not load the others' cursors", error);
    });
  };

  // Keys typed until this has finished are held (see held_keys.ts), so it
  // waits for everything that decides what a key does: the bindings, the
  // chosen keymap and the language mode (its indentation rules).
  #loadTypingSupport = (): void => {
    if (this.#typingRequested) return;
    this.#typingRequested = true;
    const typing = import("./typing_support.ts").then(
      ({ typingSupport, replayKeys, lazySearch }) => {
        this.#replayKeys = replayKeys;
        if (this.#destroyed || this.#view === null) return;
        this.#view.dispatch({
          effects: [
            this.#searchSlot.reconfigure(lazySearch()),
            this.#typingSlot.reconfigure(typingSupport({
              // The request code (and its response validation) is only needed
              // once someone pauses typing.
              requestSuggestion: async (request, signal) => {
                const { fetchSuggestion } = await import("./suggestion_api.ts");
                return fetchSuggestion(request, { signal });
              },
              language: () => this.#language,
              onHintChange: (hint: Hint | null) => this.#options.onHint(hint?.text ?? null),
            })),
          ],
        });
      },
    ).catch((error: unknown) => {
      // No retry: browsers keep a module that failed to load as failed for
      // the life of the page. Typing still works, as in a plain text area.
      console.warn("Could not load the editor's key bindings", error);
    });
    const keyBindings = this.#installKeyBindings().catch((error: unknown) => {
      console.warn(`Could not load the ${this.#preferences.keyBindings} key bindings`, error);
    });
    this.#typingReady = Promise.all([typing, keyBindings, this.#languageLoaded]).then(() => {});
    this.#typingReady.finally(() => {
      if (this.#view !== null) releaseHeldKeys(this.#view, this.#replayKeys);
    });
  };
}

/** Tab width and line wrapping, as the preferences say. */
function layout(preferences: Preferences): Extension {
  return [
    EditorState.tabSize.of(preferences.tabWidth),
    preferences.lineWrapping ? EditorView.lineWrapping : [],
  ];
}

function readOnly(): Extension {
  return [EditorView.editable.of(false), EditorState.readOnly.of(true)];
}
