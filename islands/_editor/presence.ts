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

/** One person in the presence list. */
export interface Participant {
  clientId: number;
  name: string;
  color: string;
  isSelf: boolean;
}

/** Participant colours: each readable as a label behind white text and as a caret on dark and light backgrounds. */
export const PRESENCE_COLORS: readonly string[] = [
  "#2f74d0",
  "#2b8a3e",
  "#d9480f",
  "#ae3ec9",
  "#0c8599",
  "#d6336c",
  "#b35c00",
  "#7048e8",
];

/** The longest display name shown to others. */
export const MAX_NAME_LENGTH = 40;

const NAME_KEY = "duet:name";
const COLOR_KEY = "duet:color";
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

/** Reads the local participant from storage, creating and saving a friendly name and colour on first visit. */
export function loadPresenceUser(
  options: LoadPresenceUserOptions,
): PresenceUser {
  const random = options.random ?? Math.random;
  const storedName = normalizeName(readItem(options.storage, NAME_KEY) ?? "");
  const storedColor = readItem(options.storage, COLOR_KEY) ?? "";
  const name = storedName === "" ? randomName(random) : storedName;
  const color = COLOR_PATTERN.test(storedColor)
    ? storedColor.toLowerCase()
    : pick(PRESENCE_COLORS, random);
  writeItem(options.storage, NAME_KEY, name);
  writeItem(options.storage, COLOR_KEY, color);
  return presenceUser(name, color);
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
    });
  }
  return participants.sort((a, b) => Number(b.isSelf) - Number(a.isSelf));
}

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
