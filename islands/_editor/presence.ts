/**
 * Who the local participant is (name and colour), kept in localStorage, and
 * how awareness states become the list of people in the room.
 *
 * @module
 */

/**
 * The `user` field of an awareness state. y-codemirror.next reads exactly this
 * shape to label and colour remote cursors.
 */
export interface PresenceUser {
  name: string;
  /** `#rrggbb` */
  color: string;
  /** {@linkcode PresenceUser.color} with a `33` alpha suffix. */
  colorLight: string;
}

/** How long without input before someone counts as idle. */
export const IDLE_MS = 60_000;

/** What a person is doing: typing now, present, idle (no input for a minute) or away (page hidden). */
export type Activity = "typing" | "active" | "idle" | "away";

/** One person in the presence list. */
export interface Participant {
  clientId: number;
  name: string;
  color: string;
  isSelf: boolean;
  /** `active` for clients that do not say. */
  activity: Activity;
}

/**
 * Participant colours and their names: each readable as a label behind white
 * text (contrast at least 4.3:1) and as a caret on the dark editor (at least
 * 3:1) and the light one; presence_test.ts holds them to it.
 */
export const PRESENCE_PALETTE: readonly { color: string; name: string }[] = [
  { color: "#2f74d0", name: "Blue" },
  { color: "#2b8a3e", name: "Green" },
  { color: "#d0450e", name: "Orange" },
  { color: "#ae3ec9", name: "Purple" },
  { color: "#0c8599", name: "Teal" },
  { color: "#d6336c", name: "Pink" },
  { color: "#b35c00", name: "Amber" },
  { color: "#7048e8", name: "Violet" },
  { color: "#c92a2a", name: "Red" },
  { color: "#5f7f0e", name: "Olive" },
  { color: "#8a6d00", name: "Gold" },
  { color: "#087f5b", name: "Emerald" },
];

/** The palette's colours, `#rrggbb`. */
export const PRESENCE_COLORS: readonly string[] = PRESENCE_PALETTE.map(({ color }) => color);

/** The longest display name shown to others. */
export const MAX_NAME_LENGTH = 40;

const NAME_KEY = "duet:name";
/** Only a colour the person picked is kept; others get the room's least used. */
const COLOR_KEY = "duet:color-choice";
const COLOR_PATTERN = /^#[0-9a-f]{6}$/i;

const ADJECTIVES = [
  "Brave",
  "Calm",
  "Clever",
  "Curious",
  "Gentle",
  "Happy",
  "Kind",
  "Lucky",
  "Nimble",
  "Quiet",
  "Swift",
  "Witty",
];
const ANIMALS = [
  "Badger",
  "Crane",
  "Dolphin",
  "Falcon",
  "Fox",
  "Heron",
  "Koala",
  "Lynx",
  "Otter",
  "Panda",
  "Robin",
  "Seal",
];

/** Options for {@linkcode loadPresenceUser}. */
export interface LoadPresenceUserOptions {
  /** Where the name and colour live; `null` when the browser refuses storage. */
  storage: Storage | null;
  /** Source of randomness in [0, 1) for new names and colours. */
  random?: () => number;
}

/**
 * Reads the local participant from storage, creating and saving a friendly
 * name on first visit. The colour is the one this person picked, if any, else
 * a palette colour until {@linkcode leastUsedColor} can choose in the room.
 */
export function loadPresenceUser(
  options: LoadPresenceUserOptions,
): PresenceUser {
  const random = options.random ?? Math.random;
  const storedName = normalizeName(readItem(options.storage, NAME_KEY) ?? "");
  const name = storedName === "" ? randomName(random) : storedName;
  writeItem(options.storage, NAME_KEY, name);
  return presenceUser(name, loadColorChoice(options.storage) ?? pick(PRESENCE_COLORS, random));
}

/** The colour this person picked, or `null` when they have not. */
export function loadColorChoice(storage: Storage | null): string | null {
  const stored = readItem(storage, COLOR_KEY) ?? "";
  return COLOR_PATTERN.test(stored) ? stored.toLowerCase() : null;
}

/** Remembers the colour this person picked. */
export function saveColorChoice(storage: Storage | null, color: string): void {
  if (COLOR_PATTERN.test(color)) writeItem(storage, COLOR_KEY, color.toLowerCase());
}

/**
 * The palette colour the fewest of `others` wear; among equally used ones,
 * the one a stable hash of `clientId` picks, so that two newcomers at once
 * are unlikely to pick alike.
 */
export function leastUsedColor(others: readonly string[], clientId: number): string {
  const uses = new Map(PRESENCE_COLORS.map((color) => [color, 0]));
  for (const color of others) {
    const key = color.toLowerCase();
    const count = uses.get(key);
    if (count !== undefined) uses.set(key, count + 1);
  }
  const fewest = Math.min(...uses.values());
  const candidates = PRESENCE_COLORS.filter((color) => uses.get(color) === fewest);
  return candidates[stableHash(clientId) % candidates.length];
}

/** Knuth's multiplicative hash, to 32 bits. */
function stableHash(value: number): number {
  return Math.imul(value >>> 0, 2654435761) >>> 0;
}

/** Saves the display name for the next visit. */
export function saveName(storage: Storage | null, name: string): void {
  const normalized = normalizeName(name);
  if (normalized !== "") writeItem(storage, NAME_KEY, normalized);
}

/** Builds the awareness `user` field for a name and colour. */
export function presenceUser(name: string, color: string): PresenceUser {
  return { name, color, colorLight: `${color}33` };
}

/** Trims a display name and cuts it to {@linkcode MAX_NAME_LENGTH} characters. */
export function normalizeName(name: string): string {
  return Array.from(name.trim()).slice(0, MAX_NAME_LENGTH).join("");
}

/**
 * Turns awareness states into the presence list: the local participant first,
 * then everyone else in the order they joined. States without a usable
 * `user` field (for instance a peer that has not said who it is yet) are left out.
 */
export function participantsFrom(
  states: ReadonlyMap<number, Record<string, unknown>>,
  selfClientId: number,
): Participant[] {
  const participants: Participant[] = [];
  for (const [clientId, state] of states) {
    const user = state.user;
    if (typeof user !== "object" || user === null || !("name" in user)) {
      continue;
    }
    const name = user.name;
    const color = "color" in user ? user.color : undefined;
    if (typeof name !== "string") continue;
    participants.push({
      clientId,
      name: normalizeName(name) || "Anonymous",
      color: typeof color === "string" && COLOR_PATTERN.test(color) ? color : PRESENCE_COLORS[0],
      isSelf: clientId === selfClientId,
      activity: ACTIVITIES.find((activity) => activity === state.activity) ?? "active",
    });
  }
  return participants.sort((a, b) => Number(b.isSelf) - Number(a.isSelf));
}

const ACTIVITIES: readonly Activity[] = ["typing", "active", "idle", "away"];

function randomName(random: () => number): string {
  return `${pick(ADJECTIVES, random)} ${pick(ANIMALS, random)}`;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length) % items.length];
}

// Storage throws in some privacy modes and when the quota is full; presence
// then simply is not remembered.
function readItem(storage: Storage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function writeItem(storage: Storage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Not remembered; see readItem.
  }
}
