import assert from "node:assert/strict";
import { CloseCode, isFinalClose } from "../../lib/shared/wire.ts";
import { describeStatus, INITIAL_STATUS } from "./connection_status.ts";

const facts = { connected: false, everConnected: false, online: true, closed: null };

Deno.test("describeStatus – says Connecting… before the first connection", () => {
  assert.deepEqual(describeStatus(facts), INITIAL_STATUS);
  assert.equal(INITIAL_STATUS.text, "Connecting…");
});

Deno.test("describeStatus – says Connected, then Reconnecting… after a drop", () => {
  assert.deepEqual(describeStatus({ ...facts, connected: true, everConnected: true }), {
    phase: "connected",
    text: "Connected",
  });
  assert.deepEqual(describeStatus({ ...facts, everConnected: true }), {
    phase: "reconnecting",
    text: "Reconnecting…",
  });
});

Deno.test("describeStatus – says Offline when the browser is offline", () => {
  assert.deepEqual(describeStatus({ ...facts, online: false, everConnected: true }), {
    phase: "offline",
    text: "Offline",
  });
});

Deno.test("describeStatus – a deleted room wins over everything else", () => {
  const closed = { code: CloseCode.roomNotFound, reason: "Room not found" };
  assert.deepEqual(describeStatus({ ...facts, online: false, closed }), {
    phase: "closed",
    text: "This room no longer exists",
  });
});

Deno.test("describeStatus – other 44xx closes show the server's reason", () => {
  assert.equal(
    describeStatus({ ...facts, closed: { code: 4429, reason: "Room is full" } }).text,
    "Room is full",
  );
  assert.equal(
    describeStatus({ ...facts, closed: { code: 4400, reason: " " } }).text,
    "Disconnected by the server (code 4400)",
  );
});

Deno.test("describeStatus – shows why each limit ended the session", () => {
  for (
    const [code, reason] of [
      [4413, "This room has reached its size limit (2 MiB): your last change was not saved."],
      [4429, "Room is full (32 people)"],
      [1009, "This change is too large to send (over 1 MiB). Reload the page to go on."],
    ] as const
  ) {
    assert.equal(isFinalClose(code), true, String(code));
    assert.deepEqual(describeStatus({ ...facts, everConnected: true, closed: { code, reason } }), {
      phase: "closed",
      text: reason,
    });
  }
});

Deno.test("describeStatus – says why while reconnecting after a close it takes back", () => {
  for (const code of [1000, 1006, 1007, 1008, 1011, 1012, 4500]) {
    assert.equal(isFinalClose(code), false, String(code));
  }
  assert.equal(
    describeStatus({ ...facts, everConnected: true, dropped: "Connection too slow" }).text,
    "Reconnecting… (Connection too slow)",
  );
  assert.equal(
    describeStatus({ ...facts, everConnected: true, dropped: "" }).text,
    "Reconnecting…",
  );
});
