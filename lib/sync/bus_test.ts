import assert from "node:assert/strict";
import { waitFor } from "../../tests/_wait.ts";
import { BroadcastChannelBus, type RoomBus, type RoomBusHandlers } from "./bus.ts";

function recorder() {
  const updates: [string, number][] = [];
  const awareness: [string, number[]][] = [];
  const handlers: RoomBusHandlers = {
    update: (roomId, seq) => updates.push([roomId, seq]),
    awareness: (roomId, message) => awareness.push([roomId, [...message]]),
    reconnected: () => {},
  };
  return { handlers, updates, awareness };
}

Deno.test("BroadcastChannelBus – carries updates and presence to the other isolates only", async () => {
  const name = `duet-test-${crypto.randomUUID()}`;
  const one = new BroadcastChannelBus(name);
  const two = new BroadcastChannelBus(name);
  const heardByOne = recorder();
  const heardByTwo = recorder();
  one.subscribe(heardByOne.handlers);
  two.subscribe(heardByTwo.handlers);
  try {
    assert.equal((one as RoomBus).notifyChannel, undefined, "it publishes after the commit itself");
    one.publishUpdate("room-a", 7);
    one.publishAwareness("room-a", Uint8Array.of(1, 2, 3));
    one.publishAwareness("room-a", Uint8Array.of(4));
    await waitFor(
      () => heardByTwo.updates.length === 1 && heardByTwo.awareness.length === 2,
      "delivery",
    );
    assert.deepEqual(heardByTwo.updates, [["room-a", 7]]);
    assert.deepEqual(heardByTwo.awareness, [["room-a", [1, 2, 3]], ["room-a", [4]]]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(heardByOne.awareness, [], "its own presence does not come back");
  } finally {
    await one.close();
    await two.close();
  }
});
