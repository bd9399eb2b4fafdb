import assert from "node:assert/strict";
import {
  loadPresenceUser,
  MAX_NAME_LENGTH,
  normalizeName,
  participantsFrom,
  PRESENCE_COLORS,
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

Deno.test("loadPresenceUser – creates and saves a name and palette colour on first visit", () => {
  const storage = memoryStorage();
  const user = loadPresenceUser({ storage, random: () => 0.5 });
  assert.match(user.name, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
  assert.ok(PRESENCE_COLORS.includes(user.color));
  assert.equal(user.colorLight, `${user.color}33`);
  assert.equal(storage.getItem("duet:name"), user.name);
  assert.equal(storage.getItem("duet:color"), user.color);
});

Deno.test("loadPresenceUser – keeps a stored name and colour", () => {
  const storage = memoryStorage({ "duet:name": "  Ada  ", "duet:color": "#ABCDEF" });
  const user = loadPresenceUser({ storage });
  assert.deepEqual(user, { name: "Ada", color: "#abcdef", colorLight: "#abcdef33" });
});

Deno.test("loadPresenceUser – replaces a stored colour that is not #rrggbb", () => {
  const storage = memoryStorage({ "duet:color": "red; background: url(x)" });
  const user = loadPresenceUser({ storage, random: () => 0 });
  assert.equal(user.color, PRESENCE_COLORS[0]);
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
    [7, { user: { name: "Bob", color: "#2b8a3e" } }],
    [3, { cursor: null }],
    [5, { user: { name: "Ada", color: "#2f74d0" } }],
    [9, { user: { name: "Eve", color: "javascript:alert(1)" } }],
    [11, { user: "not an object" }],
    [13, { user: { name: 42 } }],
  ]);
  assert.deepEqual(participantsFrom(states, 5), [
    { clientId: 5, name: "Ada", color: "#2f74d0", isSelf: true },
    { clientId: 7, name: "Bob", color: "#2b8a3e", isSelf: false },
    { clientId: 9, name: "Eve", color: PRESENCE_COLORS[0], isSelf: false },
  ]);
});

Deno.test("participantsFrom – shows a blank name as Anonymous", () => {
  const states = new Map([[1, { user: { name: "   ", color: "#2b8a3e" } }]]);
  assert.equal(participantsFrom(states, 2)[0].name, "Anonymous");
});
