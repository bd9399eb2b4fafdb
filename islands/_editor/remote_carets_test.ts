import assert from "node:assert/strict";
import { CaretActivity, LABEL_SHOWN_MS } from "./remote_carets.ts";

Deno.test("CaretActivity – a label shows for a few seconds after its person moves or types", () => {
  const activity = new CaretActivity();
  assert.equal(activity.labelRemainingMs(7, 0), 0, "nobody seen yet");
  activity.see(7, '{"head":1}', 1_000);
  assert.equal(activity.labelRemainingMs(7, 1_000), LABEL_SHOWN_MS);
  assert.equal(activity.labelRemainingMs(7, 1_000 + LABEL_SHOWN_MS), 0);
  // The same cursor again is not a move.
  activity.see(7, '{"head":1}', 1_000 + LABEL_SHOWN_MS);
  assert.equal(activity.labelRemainingMs(7, 1_000 + LABEL_SHOWN_MS), 0);
  // Typing counts even when the cursor, as Yjs keeps it, did not change.
  activity.typed(7, 10_000);
  assert.equal(activity.labelRemainingMs(7, 10_500), LABEL_SHOWN_MS - 500);
  activity.see(7, '{"head":2}', 20_000);
  assert.equal(activity.labelRemainingMs(7, 20_000), LABEL_SHOWN_MS);
  activity.forget(7);
  assert.equal(activity.labelRemainingMs(7, 20_000), 0);
});
