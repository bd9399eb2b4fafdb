import assert from "node:assert/strict";
import { DEFAULT_PREFERENCES, isDark, loadPreferences, savePreferences } from "./preferences.ts";

function memoryStorage(initial: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(initial));
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

Deno.test("loadPreferences – defaults without storage or with nothing kept", () => {
  assert.deepEqual(loadPreferences(null), DEFAULT_PREFERENCES);
  assert.deepEqual(loadPreferences(memoryStorage()), DEFAULT_PREFERENCES);
  assert.deepEqual(loadPreferences(memoryStorage({ "duet:preferences": "{not json" })), {
    ...DEFAULT_PREFERENCES,
  });
});

Deno.test("loadPreferences – keeps what was saved", () => {
  const storage = memoryStorage();
  const chosen = {
    keyBindings: "vim",
    theme: "dark",
    fontSize: 18,
    tabWidth: 8,
    lineWrapping: true,
  } as const;
  savePreferences(storage, chosen);
  assert.deepEqual(loadPreferences(storage), chosen);
});

Deno.test("loadPreferences – replaces each invalid field by its default and keeps the others", () => {
  const storage = memoryStorage({
    "duet:preferences": JSON.stringify({
      keyBindings: "nano",
      theme: "dark",
      fontSize: 1000,
      tabWidth: "4",
      lineWrapping: "yes",
    }),
  });
  assert.deepEqual(loadPreferences(storage), { ...DEFAULT_PREFERENCES, theme: "dark" });
});

Deno.test("isDark – the chosen theme wins over the system's", () => {
  assert.equal(isDark("system", true), true);
  assert.equal(isDark("system", false), false);
  assert.equal(isDark("light", true), false);
  assert.equal(isDark("dark", false), true);
});
