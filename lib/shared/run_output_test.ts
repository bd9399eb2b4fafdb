import assert from "node:assert/strict";
import { isRunnable, LANGUAGE_IDS } from "./languages.ts";
import { isRunnableLanguage, OutputBudget, RUNNABLE_LANGUAGES } from "./run_output.ts";
import { utf8Length } from "./utf8.ts";

Deno.test("isRunnable – the room page's answer matches the runner's list", () => {
  for (const language of LANGUAGE_IDS) {
    assert.equal(isRunnable(language), isRunnableLanguage(language), language);
  }
  assert.deepEqual(LANGUAGE_IDS.filter(isRunnable), [...RUNNABLE_LANGUAGES]);
});

Deno.test("OutputBudget – keeps whole items while they fit, then cuts one and drops the rest", () => {
  const budget = new OutputBudget({ maxBytes: 8, maxLines: 100 });
  assert.deepEqual(budget.admit({ s: "out", text: "abc" }), { s: "out", text: "abc" });
  assert.equal(budget.truncated, false);
  assert.deepEqual(budget.admit({ s: "err", text: "defghij" }), { s: "err", text: "defgh" });
  assert.equal(budget.truncated, true);
  assert.equal(budget.bytes, 8);
  assert.equal(budget.admit({ s: "out", text: "x" }), null);
});

Deno.test("OutputBudget – counts UTF-8 bytes and never cuts a character in half", () => {
  const budget = new OutputBudget({ maxBytes: 7, maxLines: 100 });
  // "é" is 2 bytes, "😀" 4 (a surrogate pair).
  const kept = budget.admit({ s: "out", text: "éé😀😀" });
  assert.deepEqual(kept, { s: "out", text: "éé" });
  assert.equal(utf8Length("éé😀"), 8);
  assert.equal(budget.truncated, true);
});

Deno.test("OutputBudget – counts lines, tables by their rows", () => {
  const budget = new OutputBudget({ maxBytes: 1_000, maxLines: 4 });
  const table = { s: "table" as const, columns: ["a"], rows: [["1"], ["2"]] };
  assert.deepEqual(budget.admit(table), table);
  assert.deepEqual(budget.admit({ s: "out", text: "x\ny\nz" }), { s: "out", text: "x" });
  assert.equal(budget.admit(table), null);
  const trailing = new OutputBudget({ maxBytes: 1_000, maxLines: 1 });
  assert.deepEqual(trailing.admit({ s: "out", text: "one line\n" }), {
    s: "out",
    text: "one line\n",
  });
});
