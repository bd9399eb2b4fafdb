import assert from "node:assert/strict";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import {
  applyPresence,
  type DecodePresenceOptions,
  decodePresenceUpdate,
  encodePresenceUpdate,
  isPlainPresence,
  type PresenceEntry,
  PresenceStateSchema,
} from "./awareness_guard.ts";
import { ProtocolError } from "./protocol.ts";
import { seededRandom, testSeed } from "../../testing/random.ts";

/** An awareness update as y-protocols encodes it, for raw JSON states. */
function rawUpdate(...entries: [clientId: number, clock: number, json: string][]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}

const acceptAll: DecodePresenceOptions = { accepts: () => true, maxStateBytes: 8192 };

function refusal(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    return error;
  }
  assert.fail("expected a ProtocolError");
}

Deno.test("decodePresenceUpdate – reads what the editor sends", () => {
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  const anchor = Y.createRelativePositionFromTypeIndex(doc.getText("code"), 0);
  awareness.setLocalState({
    user: { name: "Brave Badger", color: "#2f74d0", colorLight: "#2f74d033" },
    cursor: { anchor, head: anchor },
  });
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
  const { entries, skipped } = decodePresenceUpdate(update, acceptAll);
  assert.equal(skipped, 0);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].clientId, doc.clientID);
  assert.deepEqual(entries[0].state?.user, {
    name: "Brave Badger",
    color: "#2f74d0",
    colorLight: "#2f74d033",
  });
  assert.deepEqual(entries[0].state?.cursor, JSON.parse(JSON.stringify({ anchor, head: anchor })));
  awareness.destroy();
  doc.destroy();
});

Deno.test("decodePresenceUpdate – drops unknown fields and re-encodes what y-protocols reads", () => {
  const update = rawUpdate([7, 3, '{"user":{"name":"Al","color":"#aabbcc","avatar":"x"},"x":1}']);
  const { entries } = decodePresenceUpdate(update, acceptAll);
  assert.deepEqual(entries, [{
    clientId: 7,
    clock: 3,
    state: { user: { name: "Al", color: "#aabbcc" } },
  }]);
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  awarenessProtocol.applyAwarenessUpdate(awareness, encodePresenceUpdate(entries), "test");
  assert.deepEqual(awareness.getStates().get(7), { user: { name: "Al", color: "#aabbcc" } });
  awareness.destroy();
  doc.destroy();
});

Deno.test("decodePresenceUpdate – verbatim only when nothing was skipped or stripped", () => {
  const cursor = '{"anchor":{"tname":"code","assoc":0},"head":{"tname":"code","assoc":0}}';
  const clean = `{"user":{"name":"Al","color":"#aabbcc"},"cursor":${cursor}}`;
  assert.equal(decodePresenceUpdate(rawUpdate([7, 3, clean]), acceptAll).verbatim, true);
  assert.equal(decodePresenceUpdate(rawUpdate([7, 3, "null"]), acceptAll).verbatim, true);
  // A field dropped at the top, inside user, or deep inside the cursor.
  for (
    const json of [
      `{"user":{"name":"Al","color":"#aabbcc"},"x":1}`,
      `{"user":{"name":"Al","color":"#aabbcc","avatar":"x"}}`,
      `{"cursor":{"anchor":{"tname":"code","evil":[1]},"head":{"tname":"code"}}}`,
    ]
  ) {
    assert.equal(decodePresenceUpdate(rawUpdate([7, 3, json]), acceptAll).verbatim, false, json);
  }
  const skipping: DecodePresenceOptions = { ...acceptAll, accepts: (clientId) => clientId === 7 };
  const mixed = decodePresenceUpdate(rawUpdate([7, 3, clean], [8, 1, clean]), skipping);
  assert.equal(mixed.entries.length, 1);
  assert.equal(mixed.verbatim, false);
});

Deno.test("decodePresenceUpdate – skips entries the sender may not speak for, unparsed", () => {
  const seen: [number, boolean][] = [];
  const update = rawUpdate([1, 1, "{not json"], [2, 1, "null"], [3, 5, "{}"]);
  const { entries, skipped } = decodePresenceUpdate(update, {
    accepts: (clientId, removal) => {
      seen.push([clientId, removal]);
      return clientId === 3;
    },
    maxStateBytes: 8192,
  });
  assert.deepEqual(seen, [[1, false], [2, true], [3, false]]);
  assert.deepEqual(entries, [{ clientId: 3, clock: 5, state: {} }]);
  assert.equal(skipped, 2);
});

Deno.test("decodePresenceUpdate – a removal is a null state", () => {
  const { entries } = decodePresenceUpdate(rawUpdate([4, 9, "null"]), acceptAll);
  assert.deepEqual(entries, [{ clientId: 4, clock: 9, state: null }]);
});

Deno.test("decodePresenceUpdate – drops invalid fields (bad colours, long names, odd shapes) and keeps the rest", () => {
  const user = { name: "A", color: "#aabbcc" };
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      '{"user":{"name":"A","color":"red"},"activity":"idle"}',
      { activity: "idle" },
      "user",
      /user\.color must be #rrggbb/,
    ],
    ['{"user":{"name":"A","color":"#aabbcc;background:url(x)"}}', {}, "user", /user\.color/],
    ['{"user":{"name":"A","color":"#aabbcc","colorLight":"#aabbcc3"}}', {}, "user", /colorLight/],
    [
      `{"user":{"name":"${"n".repeat(65)}","color":"#aabbcc"}}`,
      {},
      "user",
      /at most 64 characters/,
    ],
    ['{"user":{"name":5,"color":"#aabbcc"}}', {}, "user", /user\.name/],
    ['{"user":"Alice"}', {}, "user", /user/],
    [
      '{"user":{"name":"A","color":"#aabbcc"},"cursor":3,"selection":{"a":1}}',
      { user },
      "cursor",
      /cursor/,
    ],
    [
      '{"user":{"name":"A","color":"#aabbcc"},"cursor":{"anchor":1,"head":2}}',
      { user },
      "cursor",
      /cursor/,
    ],
    [
      '{"user":{"name":"A","color":"#aabbcc"},"activity":"sleeping"}',
      { user },
      "activity",
      /activity/,
    ],
    [
      `{"cursor":{"anchor":{"tname":"${"t".repeat(300)}"},"head":{"tname":"${
        "t".repeat(300)
      }"}},"x":0}`,
      {},
      "cursor",
      /./,
    ],
    ["[1,2]", {}, "state", /object/],
    ['"text"', {}, "state", /object/],
  ];
  for (const [json, kept, field, message] of cases) {
    const { entries, dropped, verbatim } = decodePresenceUpdate(rawUpdate([1, 1, json]), acceptAll);
    assert.deepEqual(entries, [{ clientId: 1, clock: 1, state: kept }], json);
    assert.equal(dropped.length, 1, json);
    assert.equal(dropped[0].clientId, 1);
    assert.equal(dropped[0].field, field, json);
    assert.match(dropped[0].message, message, json);
    assert.equal(verbatim, false, json);
  }
  const emoji = "😀".repeat(64);
  const ok = decodePresenceUpdate(
    rawUpdate([1, 1, JSON.stringify({ user: { name: emoji, color: "#aabbcc" } })]),
    acceptAll,
  );
  assert.equal(ok.entries[0].state?.user?.name, emoji, "64 characters, however many code units");
  assert.deepEqual(ok.dropped, []);
});

Deno.test("decodePresenceUpdate – the activity field passes in each of its values", () => {
  for (const activity of ["typing", "active", "idle", "away"]) {
    const json = JSON.stringify({ user: { name: "A", color: "#aabbcc" }, activity });
    const { entries, dropped, verbatim } = decodePresenceUpdate(rawUpdate([1, 1, json]), acceptAll);
    assert.equal(entries[0].state?.activity, activity);
    assert.deepEqual(dropped, []);
    assert.equal(verbatim, true);
  }
});

Deno.test("decodePresenceUpdate – caps the size of a state", () => {
  const json = JSON.stringify({ user: { name: "A", color: "#aabbcc" }, pad: "x".repeat(9000) });
  const error = refusal(() => decodePresenceUpdate(rawUpdate([1, 1, json]), acceptAll));
  assert.equal(error.closeCode, 1008);
  assert.match(error.message, /at most 8192 bytes/);
  assert.doesNotThrow(() =>
    decodePresenceUpdate(rawUpdate([1, 1, json]), { accepts: () => false, maxStateBytes: 8192 })
  );
});

Deno.test("decodePresenceUpdate – malformed updates are 1007", () => {
  const valid = rawUpdate([1, 1, "{}"]);
  const bad = [
    new Uint8Array(),
    Uint8Array.of(200),
    Uint8Array.of(255, 255, 255, 255, 15),
    valid.subarray(0, valid.length - 1),
    Uint8Array.of(...valid, 0),
    rawUpdate([1, 1, "{nope"]),
    Uint8Array.of(1, 1, 1, 2, 0xff, 0xfe),
  ];
  for (const update of bad) {
    const error = refusal(() => decodePresenceUpdate(update, acceptAll));
    assert.equal(error.closeCode, 1007, String(update));
  }
});

/** A state as the editor sends it: a user and a y-codemirror.next cursor. */
function editorState(): Record<string, unknown> {
  const position = { type: null, tname: null, item: { client: 3021, clock: 17 }, assoc: 0 };
  return {
    user: { name: "Brave Badger", color: "#2f74d0", colorLight: "#2f74d033" },
    cursor: { anchor: position, head: structuredClone(position) },
    activity: "typing",
  };
}

/** Values near the edges of the schema: one change to the editor's state, at some depth. */
const MUTATIONS: ((state: Record<string, unknown>, next: () => number) => void)[] = [
  (s) => (user(s).avatar = "x"),
  (s) => (s.extra = 1),
  (s) => (s.extra_proto = {}), // becomes "__proto__" in the JSON text below
  (s) => delete s.user,
  (s) => delete s.cursor,
  (s) => (s.cursor = null),
  (s) => (s.user = null),
  (s) => (s.user = []),
  (s) => (s.cursor = []),
  (s) => (user(s).name = "x".repeat(64)),
  (s) => (user(s).name = "x".repeat(65)),
  (s) => (user(s).name = "🦡".repeat(40)),
  (s) => (user(s).name = 7),
  (s) => (user(s).color = "#2F74D0"),
  (s) => (user(s).color = "#2f74d033"),
  (s) => (user(s).color = "red"),
  (s) => delete user(s).colorLight,
  (s) => (user(s).colorLight = "#2f74d0"),
  (s) => (user(s).colorLight = "#2f74d0zz"),
  (s) => delete user(s).color,
  (s) => delete cursor(s).head,
  (s) => (cursor(s).tail = {}),
  (s, next) => (position(s, next).assoc = -1),
  (s, next) => (position(s, next).assoc = 0.5),
  (s, next) => delete position(s, next).assoc,
  (s, next) => (position(s, next).tname = "code"),
  (s, next) => (position(s, next).tname = "t".repeat(256)),
  (s, next) => (position(s, next).tname = "t".repeat(257)),
  (s, next) => (position(s, next).tname = 5),
  (s, next) => (position(s, next).item = null),
  (s, next) => delete position(s, next).item,
  (s, next) => (position(s, next).type = { client: 1, clock: 2 }),
  (s, next) => (position(s, next).type = "text"),
  (s, next) => (position(s, next).extra = true),
  (s, next) => (id(s, next).clock = -1),
  (s, next) => (id(s, next).clock = 1.5),
  (s, next) => (id(s, next).clock = 2 ** 53),
  (s, next) => (id(s, next).clock = -0),
  (s, next) => (id(s, next).client = "1"),
  (s, next) => delete id(s, next).client,
  (s, next) => (id(s, next).spare = 0),
  (s, next) => (position(s, next).tname = "é".repeat(200) + "t".repeat(56)),
  (s) => delete s.activity,
  (s) => (s.activity = "away"),
  (s) => (s.activity = "asleep"),
  (s) => (s.activity = 1),
  (s) => (s.activity = null),
  (s) => (s.cursor = 3),
];

/** The part a mutation changes, or a throwaway object when an earlier one removed it. */
function part(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function user(state: Record<string, unknown>): Record<string, unknown> {
  return part(state.user);
}

function cursor(state: Record<string, unknown>): Record<string, unknown> {
  return part(state.cursor);
}

function position(state: Record<string, unknown>, next: () => number): Record<string, unknown> {
  return part(next() < 0.5 ? cursor(state).anchor : cursor(state).head);
}

function id(state: Record<string, unknown>, next: () => number): Record<string, unknown> {
  return part(position(state, next).item);
}

Deno.test("isPlainPresence – never passes a state the schema would refuse or change", () => {
  const seed = testSeed();
  const next = seededRandom(seed);
  assert.ok(isPlainPresence(editorState()), "the editor's own state takes the fast path");
  let passed = 0;
  let refused = 0;
  for (let i = 0; i < 3_000; i++) {
    const state = editorState();
    for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
      MUTATIONS[Math.floor(next() * MUTATIONS.length)](state, next);
    }
    // Through JSON, as states arrive (and as `__proto__` becomes an own key).
    const value = JSON.parse(JSON.stringify(state).replace('"extra_proto"', '"__proto__"'));
    if (!isPlainPresence(value)) {
      refused++;
      continue;
    }
    passed++;
    const parsed = PresenceStateSchema.safeParse(value);
    assert.ok(
      parsed.success,
      `seed ${seed}: fast path passed what the schema refuses: ${JSON.stringify(value)}`,
    );
    assert.deepEqual(
      parsed.data,
      value,
      `seed ${seed}: the schema would change ${JSON.stringify(value)}`,
    );
  }
  // Both ways are taken, or the test shows nothing.
  assert.ok(passed > 300 && refused > 300, `passed ${passed}, refused ${refused}`);
});

Deno.test("isPlainPresence – a __proto__ key and long names go to the schema", () => {
  const withProto = JSON.parse('{"user":{"name":"A","color":"#aabbcc"},"__proto__":{"x":1}}');
  assert.equal(isPlainPresence(withProto), false);
  const astral = { user: { name: "🦡".repeat(40), color: "#aabbcc" } };
  assert.equal(isPlainPresence(astral), false);
  // 80 UTF-16 units but 40 code points: the schema accepts it.
  assert.ok(PresenceStateSchema.safeParse(astral).success);
});

Deno.test("applyPresence – does what y-protocols' applyAwarenessUpdate does, events included", () => {
  const seed = testSeed();
  const next = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  for (let run = 0; run < 40; run++) {
    const ourDoc = new Y.Doc();
    const theirDoc = new Y.Doc();
    theirDoc.clientID = ourDoc.clientID;
    const ours = new awarenessProtocol.Awareness(ourDoc);
    const theirs = new awarenessProtocol.Awareness(theirDoc);
    // Sometimes the awareness has a local state of its own that others try to remove.
    const local = next() < 0.5 ? { user: { name: "Server", color: "#000000" } } : null;
    ours.setLocalState(local);
    theirs.setLocalState(local);
    const events: unknown[][] = [[], []];
    [ours, theirs].forEach((awareness, i) => {
      for (const name of ["change", "update"]) {
        awareness.on(
          name,
          (changes: unknown, origin: unknown) => events[i].push([name, changes, origin]),
        );
      }
    });
    const clients = [ours.clientID, 11, 12, 13];
    for (let step = 0; step < 30; step++) {
      const entries: PresenceEntry[] = [];
      for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
        const clientId = pick(clients);
        const known = ours.meta.get(clientId)?.clock ?? 0;
        entries.push({
          clientId,
          clock: Math.max(0, known + pick([-1, 0, 0, 1, 1, 2])),
          state: next() < 0.3
            ? null
            : { user: { name: pick(["Ann", "Bo"]), color: pick(["#111111", "#222222"]) } },
        });
      }
      applyPresence(ours, entries, "origin");
      awarenessProtocol.applyAwarenessUpdate(theirs, encodePresenceUpdate(entries), "origin");
      const where = `seed ${seed}, run ${run}, step ${step}: ${JSON.stringify(entries)}`;
      assert.deepEqual([...ours.getStates()], [...theirs.getStates()], where);
      assert.deepEqual(
        [...ours.meta].map(([id, meta]) => [id, meta.clock]),
        [...theirs.meta].map(([id, meta]) => [id, meta.clock]),
        where,
      );
      assert.deepEqual(events[0], events[1], where);
    }
    assert.ok(events[0].length > 0, "the runs make changes");
    ours.destroy();
    theirs.destroy();
  }
});
