import assert from "node:assert/strict";
import {
  leastUsedColor,
  loadColorChoice,
  loadPresenceUser,
  MAX_NAME_LENGTH,
  normalizeName,
  participantsFrom,
  PRESENCE_COLORS,
  PRESENCE_PALETTE,
  saveColorChoice,
  saveName,
} from "./presence.ts";

function memoryStorage(entries: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(entries));
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

Deno.test("loadPresenceUser – creates and saves a name on first visit, but no colour choice", () => {
  const storage = memoryStorage();
  const user = loadPresenceUser({ storage, random: () => 0.5 });
  assert.match(user.name, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
  assert.ok(PRESENCE_COLORS.includes(user.color));
  assert.equal(user.colorLight, `${user.color}33`);
  assert.equal(storage.getItem("duet:name"), user.name);
  assert.equal(loadColorChoice(storage), null, "the room picks the colour until the person does");
});

Deno.test("loadPresenceUser – keeps a stored name and a picked colour", () => {
  const storage = memoryStorage({ "duet:name": "  Ada  " });
  saveColorChoice(storage, "#ABCDEF");
  const user = loadPresenceUser({ storage });
  assert.deepEqual(user, { name: "Ada", color: "#abcdef", colorLight: "#abcdef33" });
});

Deno.test("loadPresenceUser – ignores a stored colour that is not #rrggbb", () => {
  const storage = memoryStorage({ "duet:color-choice": "red; background: url(x)" });
  assert.equal(loadColorChoice(storage), null);
  const user = loadPresenceUser({ storage, random: () => 0 });
  assert.equal(user.color, PRESENCE_COLORS[0]);
  saveColorChoice(storage, "blue");
  assert.equal(loadColorChoice(storage), null);
});

Deno.test("leastUsedColor – a newcomer gets the colour fewest others wear", () => {
  const all = [...PRESENCE_COLORS];
  // Everyone but the last colour is taken once: the last is the only free one.
  assert.equal(leastUsedColor(all.slice(0, -1), 1), all.at(-1));
  // Every colour once, the first twice: any but the first.
  for (let clientId = 0; clientId < 50; clientId++) {
    assert.notEqual(leastUsedColor([...all, all[0]], clientId), all[0]);
  }
  // Case and colours outside the palette do not matter.
  assert.equal(leastUsedColor([...all.slice(1).map((c) => c.toUpperCase()), "#000000"], 9), all[0]);
});

Deno.test("leastUsedColor – three people in a room never share a colour, ties by a stable hash", () => {
  const seen = new Set<string>();
  for (let clientId = 1; clientId < 200; clientId++) {
    const first = leastUsedColor([], clientId);
    assert.equal(leastUsedColor([], clientId), first, "the same client id, the same colour");
    seen.add(first);
    const second = leastUsedColor([first], clientId * 7 + 3);
    const third = leastUsedColor([first, second], clientId * 13 + 5);
    assert.equal(new Set([first, second, third]).size, 3);
  }
  assert.ok(seen.size >= 8, `ties spread over the palette (${seen.size} colours)`);
});

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

Deno.test("PRESENCE_PALETTE – at least 12 distinct colours that read on both themes", () => {
  assert.ok(PRESENCE_PALETTE.length >= 12);
  assert.equal(new Set(PRESENCE_COLORS).size, PRESENCE_COLORS.length);
  assert.equal(new Set(PRESENCE_PALETTE.map(({ name }) => name)).size, PRESENCE_PALETTE.length);
  for (const { color, name } of PRESENCE_PALETTE) {
    assert.match(color, /^#[0-9a-f]{6}$/);
    // White label text, and the caret on the light (#ffffff) and dark (#15181e) editor.
    assert.ok(contrast(color, "#ffffff") >= 4.3, `${name} behind white text`);
    assert.ok(contrast(color, "#15181e") >= 2.9, `${name} on the dark editor`);
  }
});

Deno.test("loadPresenceUser – works when storage is unavailable or throws", () => {
  assert.ok(loadPresenceUser({ storage: null }).name.length > 0);
  const throwing = memoryStorage();
  throwing.getItem = () => {
    throw new DOMException("denied", "SecurityError");
  };
  throwing.setItem = throwing.getItem;
  assert.ok(loadPresenceUser({ storage: throwing }).name.length > 0);
});

Deno.test("saveName – ignores a blank name", () => {
  const storage = memoryStorage({ "duet:name": "Ada" });
  saveName(storage, "   ");
  assert.equal(storage.getItem("duet:name"), "Ada");
  saveName(storage, " Grace ");
  assert.equal(storage.getItem("duet:name"), "Grace");
});

Deno.test("normalizeName – trims and cuts by characters, not UTF-16 units", () => {
  assert.equal(normalizeName("  Ada "), "Ada");
  const long = "😀".repeat(MAX_NAME_LENGTH + 5);
  assert.equal(Array.from(normalizeName(long)).length, MAX_NAME_LENGTH);
});

Deno.test("participantsFrom – lists the local participant first and skips states without a user", () => {
  const states = new Map<number, Record<string, unknown>>([
    [7, { user: { name: "Bob", color: "#2b8a3e" }, activity: "typing" }],
    [3, { cursor: null }],
    [5, { user: { name: "Ada", color: "#2f74d0" } }],
    [9, { user: { name: "Eve", color: "javascript:alert(1)" }, activity: "sleeping" }],
    [11, { user: "not an object" }],
    [13, { user: { name: 42 } }],
  ]);
  assert.deepEqual(participantsFrom(states, 5), [
    { clientId: 5, name: "Ada", color: "#2f74d0", isSelf: true, activity: "active" },
    { clientId: 7, name: "Bob", color: "#2b8a3e", isSelf: false, activity: "typing" },
    { clientId: 9, name: "Eve", color: PRESENCE_COLORS[0], isSelf: false, activity: "active" },
  ]);
});

Deno.test("participantsFrom – shows a blank name as Anonymous", () => {
  const states = new Map([[1, { user: { name: "   ", color: "#2b8a3e" } }]]);
  assert.equal(participantsFrom(states, 2)[0].name, "Anonymous");
});
