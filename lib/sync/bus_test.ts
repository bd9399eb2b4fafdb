import assert from "node:assert/strict";
import { silentLogger } from "../ops/logger.ts";
import { waitFor } from "../../tests/_wait.ts";
import {
  BroadcastChannelBus,
  BUS_CHANNELS,
  type NotifyConnection,
  PostgresBus,
  type RoomBus,
  type RoomBusHandlers,
} from "./bus.ts";

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

/**
 * LISTEN/NOTIFY as PostgreSQL does it for several processes: a notification
 * goes to every listener of its channel, the sender's own included.
 */
class LoopbackNotify implements NotifyConnection {
  #listeners = new Map<string, Set<(payload: string) => void>>();

  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void) {
    const listeners = this.#listeners.get(channel) ?? new Set();
    this.#listeners.set(channel, listeners);
    listeners.add(onNotify);
    onListen();
    return Promise.resolve({
      unlisten: () => Promise.resolve(void listeners.delete(onNotify)),
    });
  }

  notify(channel: string, payload: string): Promise<void> {
    for (const listener of [...this.#listeners.get(channel) ?? []]) listener(payload);
    return Promise.resolve();
  }
}

Deno.test("PostgresBus – presence reaches the other processes, and never comes back to its sender", async () => {
  const postgres = new LoopbackNotify();
  const one = new PostgresBus(postgres, silentLogger);
  const two = new PostgresBus(postgres, silentLogger);
  const heardByOne = recorder();
  const heardByTwo = recorder();
  one.subscribe(heardByOne.handlers);
  two.subscribe(heardByTwo.handlers);
  try {
    one.publishAwareness("room-a", Uint8Array.of(1, 2, 3));
    one.publishAwareness("room-a", Uint8Array.of(4));
    // The loopback delivers to every listener at once: when two has heard
    // it, one has been handed the same notification.
    await waitFor(() => heardByTwo.awareness.length === 2, "delivery");
    assert.deepEqual(heardByTwo.awareness, [["room-a", [1, 2, 3]], ["room-a", [4]]]);
    assert.deepEqual(heardByOne.awareness, [], "its own presence does not come back");
    two.publishAwareness("room-b", Uint8Array.of(5));
    await waitFor(() => heardByOne.awareness.length === 1, "delivery the other way");
    assert.deepEqual(heardByOne.awareness, [["room-b", [5]]]);
    assert.equal(heardByTwo.awareness.length, 2);
    assert.equal(one.notifyChannel, BUS_CHANNELS.updates, "the append transaction notifies");
  } finally {
    await one.close();
    await two.close();
  }
});

Deno.test("BroadcastChannelBus – carries updates and presence to the other isolates, and drops its own", async () => {
  const name = `duet-test-${crypto.randomUUID()}`;
  const one = new BroadcastChannelBus(name);
  const two = new BroadcastChannelBus(name);
  // A BroadcastChannel never delivers to the object that posted, so a third
  // one plays the network that echoes one's messages back to it.
  const echo = new BroadcastChannel(name);
  const echoed: unknown[] = [];
  echo.onmessage = (event) => echoed.push(event.data);
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

    await waitFor(() => echoed.length === 2, "the echo to hear one's messages");
    // Presence first: messages from one sender arrive in order, so once one
    // has the echoed update, it has handled the echoed presence before it.
    const isUpdate = (message: unknown) => (message as { kind?: string }).kind === "update";
    for (const message of echoed.filter((message) => !isUpdate(message))) echo.postMessage(message);
    for (const message of echoed.filter(isUpdate)) echo.postMessage(message);
    await waitFor(() => heardByOne.updates.length === 1, "the echo to reach one");
    assert.deepEqual(heardByOne.updates, [["room-a", 7]]);
    assert.deepEqual(heardByOne.awareness, [], "its own presence does not come back");
  } finally {
    echo.close();
    await one.close();
    await two.close();
  }
});
