import assert from "node:assert/strict";
import { FakeClock } from "../../tests/_fake_clock.ts";
import { ActivityTracker, IDLE_MS, TYPING_MS } from "./activity.ts";
import type { Activity } from "./presence.ts";

function tracker(hidden = false) {
  const clock = new FakeClock();
  const changes: Activity[] = [];
  const activity = new ActivityTracker({ onChange: (next) => changes.push(next), clock, hidden });
  return { clock, changes, activity };
}

Deno.test("ActivityTracker – typing, then active after a pause, then idle after a minute", async () => {
  const { clock, changes, activity } = tracker();
  assert.equal(activity.activity, "active");
  activity.typed();
  await clock.tick(TYPING_MS / 2);
  activity.typed();
  assert.deepEqual(changes, ["typing"], "one change per burst, not per key");
  await clock.tick(TYPING_MS - 1);
  assert.equal(activity.activity, "typing");
  await clock.tick(1);
  assert.equal(activity.activity, "active");
  await clock.tick(IDLE_MS - TYPING_MS - 1);
  assert.equal(activity.activity, "active");
  await clock.tick(1);
  assert.deepEqual(changes, ["typing", "active", "idle"]);
  activity.interacted();
  assert.equal(activity.activity, "active");
  activity.destroy();
  assert.equal(clock.pending, 0);
});

Deno.test("ActivityTracker – away while the page is hidden, active when it shows again", async () => {
  const { clock, changes, activity } = tracker(true);
  assert.equal(activity.activity, "away");
  await clock.tick(IDLE_MS * 2);
  assert.equal(activity.activity, "away", "hidden stays away, not idle");
  activity.setHidden(false);
  assert.equal(activity.activity, "active");
  activity.setHidden(true);
  assert.deepEqual(changes, ["active", "away"]);
  activity.destroy();
});
