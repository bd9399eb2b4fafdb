/**
 * The owner's settings for a room, loaded only when opened: paste the owner
 * key (or use the one this browser keeps), then lock editing, replace or turn
 * off links, set how long the room is kept, or delete it. Built with DOM calls
 * (no Preact in a lazy chunk) and text nodes only.
 *
 * @module
 */

/** What the server answers for the owner (`GET /rooms/:id/settings`). */
interface OwnerSettings {
  editUrl: string;
  viewUrl: string | null;
  locked: boolean;
  keepDays: number | null;
  defaultKeepDays: number;
  keptUntil: string | null;
}

import { readOwnerKey, writeOwnerKey } from "./owner_key.ts";

const panels = new WeakMap<HTMLElement, OwnerPanel>();

/**
 * Shows the owner panel in `container` (made on first use) or hides it, and
 * says so on the `toggle` button.
 */
export function toggleOwnerPanel(
  container: HTMLElement,
  toggle: HTMLElement,
  linkId: string,
): void {
  if (!panels.has(container)) {
    panels.set(
      container,
      new OwnerPanel(container, { linkId, ownerKey: readOwnerKey(linkId), saveKey: writeOwnerKey }),
    );
    container.hidden = false;
  } else {
    container.hidden = !container.hidden;
  }
  toggle.setAttribute("aria-expanded", String(!container.hidden));
}

/** Options for {@linkcode OwnerPanel}. */
export interface OwnerPanelOptions {
  /** The link the page was opened with. */
  linkId: string;
  /** The key this browser keeps for the room, if any. */
  ownerKey: string | null;
  /** Keeps a key that worked (under the room's current edit link id). */
  saveKey: (linkId: string, key: string) => void;
}

const KEY_PATTERN = /^[0-9A-Za-z]{22}$/;

/** The owner panel, rendered into a container the page gives it. */
export class OwnerPanel {
  #root: HTMLElement;
  #options: OwnerPanelOptions;
  #key: string | null;
  #linkId: string;
  #message: HTMLElement;

  constructor(root: HTMLElement, options: OwnerPanelOptions) {
    this.#root = root;
    this.#options = options;
    this.#key = options.ownerKey;
    this.#linkId = options.linkId;
    this.#message = element("p", { class: "duet-owner__message", role: "status" });
    if (this.#key) this.#load();
    else this.#askForKey();
  }

  #askForKey(): void {
    const input = element("input", {
      class: "duet-input",
      type: "password",
      autocomplete: "off",
      placeholder: "Owner key",
      "aria-label": "Owner key",
      "data-testid": "owner-key",
    }) as HTMLInputElement;
    const open = button("Open owner settings", "owner-open");
    const form = element("form", { class: "duet-owner__key" }, [
      element("p", {}, ["Paste the owner key you got when the room was made."]),
      input,
      open,
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!KEY_PATTERN.test(key)) {
        this.#say("An owner key is 22 letters and digits");
        return;
      }
      this.#key = key;
      this.#load();
    });
    this.#root.replaceChildren(form, this.#message);
  }

  async #load(): Promise<void> {
    const settings = await this.#call("GET", "/settings");
    if (settings) this.#show(settings);
  }

  /** Calls an owner endpoint; on a wrong key, asks for one again. */
  async #call(method: string, path: string, body?: unknown): Promise<OwnerSettings | undefined> {
    this.#say("…");
    let response: Response;
    try {
      response = await fetch(`/rooms/${this.#linkId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      this.#say("Could not reach the server: try again");
      return undefined;
    }
    if (response.status === 403) {
      await response.body?.cancel();
      this.#key = null;
      this.#askForKey();
      this.#say("That key does not open this room's settings");
      return undefined;
    }
    if (!response.ok) {
      const text = await response.text();
      this.#say(`The server refused: ${text.slice(0, 200)}`);
      return undefined;
    }
    if (response.status === 204) return undefined;
    const settings = await response.json() as OwnerSettings;
    this.#say("");
    this.#linkId = settings.editUrl.split("/").at(-1) ?? this.#linkId;
    this.#options.saveKey(this.#linkId, this.#key!);
    return settings;
  }

  #show(settings: OwnerSettings): void {
    const update = async (change: Record<string, unknown>) => {
      const next = await this.#call("PATCH", "/settings", change);
      if (next) this.#show(next);
    };
    const lock = button(settings.locked ? "Unlock editing" : "Lock editing", "owner-lock");
    lock.addEventListener("click", () => update({ locked: !settings.locked }));

    const rotateEdit = button("New edit link", "owner-rotate-edit");
    rotateEdit.addEventListener("click", async () => {
      if (!confirm("Everyone who came through the current edit link is disconnected. Go on?")) {
        return;
      }
      const next = await this.#call("POST", "/rotate", { link: "edit" });
      // This page came through the old link too: go to the new one.
      if (next) location.replace(next.editUrl);
    });

    const viewToggle = button(
      settings.viewUrl ? "Turn read-only link off" : "Turn read-only link on",
      "owner-view-toggle",
    );
    viewToggle.addEventListener("click", () => update({ viewLink: settings.viewUrl === null }));
    const rotateView = button("New read-only link", "owner-rotate-view");
    rotateView.disabled = settings.viewUrl === null;
    rotateView.addEventListener("click", async () => {
      const next = await this.#call("POST", "/rotate", { link: "view" });
      if (next) this.#show(next);
    });

    const days = element("input", {
      class: "duet-input duet-owner__days",
      type: "number",
      min: "0",
      max: "36500",
      placeholder: String(settings.defaultKeepDays),
      "aria-label": "Days kept without activity (0: for ever; empty: the default)",
      "data-testid": "owner-days",
    }) as HTMLInputElement;
    days.value = settings.keepDays === null ? "" : String(settings.keepDays);
    const saveDays = button("Keep", "owner-keep");
    saveDays.addEventListener("click", () => {
      const text = days.value.trim();
      update({ keepDays: text === "" ? null : Number(text) });
    });

    const remove = button("Delete room", "owner-delete");
    remove.classList.add("duet-button--danger");
    remove.addEventListener("click", async () => {
      if (!confirm("Delete this room and its code for everyone? This cannot be undone.")) return;
      await this.#call("DELETE", "");
      location.assign("/");
    });

    this.#root.replaceChildren(
      element("dl", { class: "duet-owner__links" }, [
        element("dt", {}, ["Edit link"]),
        element("dd", {}, [linkField(settings.editUrl, "owner-edit-url")]),
        element("dt", {}, ["Read-only link"]),
        element("dd", {}, [
          settings.viewUrl ? linkField(settings.viewUrl, "owner-view-url") : "Off",
        ]),
        element("dt", {}, ["Editing"]),
        element("dd", { "data-testid": "owner-locked" }, [
          settings.locked ? "Locked: only you can edit" : "Open to everyone with the edit link",
        ]),
        element("dt", {}, ["Kept until"]),
        element("dd", { "data-testid": "owner-kept-until" }, [keptUntilText(settings.keptUntil)]),
      ]),
      element("div", { class: "duet-owner__actions" }, [lock, rotateEdit, viewToggle, rotateView]),
      element("div", { class: "duet-owner__keep" }, [
        days,
        element("span", {}, ["days"]),
        saveDays,
      ]),
      element("div", { class: "duet-owner__danger" }, [remove]),
      this.#message,
    );
  }

  #say(text: string): void {
    this.#message.textContent = text;
  }
}

/** "3 January 2027", or "For ever". */
export function keptUntilText(iso: string | null): string {
  if (iso === null) return "For ever";
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "long" });
}

function element(
  tag: string,
  attributes: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function button(label: string, testId: string): HTMLButtonElement {
  const node = element("button", { class: "duet-button", "data-testid": testId }, [label]);
  (node as HTMLButtonElement).type = "button";
  return node as HTMLButtonElement;
}

function linkField(url: string, testId: string): HTMLElement {
  const input = element("input", {
    class: "duet-input",
    type: "text",
    readonly: "",
    "data-testid": testId,
    "aria-label": "Link, select to copy",
  }) as HTMLInputElement;
  input.value = url;
  input.addEventListener("focus", () => input.select());
  return input;
}
