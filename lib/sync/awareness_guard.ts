/**
 * Decodes and checks presence (Yjs awareness) updates from clients before
 * the room applies and relays them. Presence is untrusted: each state is
 * size-capped and validated, unknown fields are dropped, and only the
 * entries the caller accepts (a connection's own identity) are even parsed.
 * A known field in another shape (another editor binding's `cursor`, say) is
 * dropped too, not refused: any Yjs client may join, and closing it would
 * only make it reconnect and lose its edits in a loop.
 *
 * @module
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { equalityDeep } from "lib0/function";
import type { Awareness } from "y-protocols/awareness";
import { z } from "zod";
import { CloseCode } from "../shared/wire.ts";
import { ProtocolError } from "./protocol.ts";

/** Longest display name accepted, in characters (code points). */
export const MAX_PRESENCE_NAME_LENGTH = 64;
/** Largest `cursor` field accepted, in bytes of JSON. */
export const MAX_CURSOR_BYTES = 1024;

const COLOR = /^#[0-9a-fA-F]{6}$/;
const COLOR_WITH_ALPHA = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;

const UserSchema = z.object({
  name: z.string({ error: "user.name must be a string" }).refine(
    (name) => [...name].length <= MAX_PRESENCE_NAME_LENGTH,
    `user.name must be at most ${MAX_PRESENCE_NAME_LENGTH} characters`,
  ),
  color: z.string().regex(COLOR, "user.color must be #rrggbb"),
  colorLight: z.string().regex(COLOR_WITH_ALPHA, "user.colorLight must be #rrggbb or #rrggbbaa")
    .optional(),
});

const IdSchema = z.object({ client: z.int().nonnegative(), clock: z.int().nonnegative() });

/** A `Y.RelativePosition` as JSON (y-codemirror.next keeps cursors this way). */
const RelativePositionSchema = z.object({
  type: IdSchema.nullable().optional(),
  tname: z.string().max(256).nullable().optional(),
  item: IdSchema.nullable().optional(),
  assoc: z.int().optional(),
});

const CursorSchema = z.object({
  anchor: RelativePositionSchema,
  head: RelativePositionSchema,
}).nullable().refine(
  (cursor) => JSON.stringify(cursor).length <= MAX_CURSOR_BYTES,
  `cursor must be at most ${MAX_CURSOR_BYTES} bytes`,
);

/** What a person is doing, as the presence list shows it. */
export const PRESENCE_ACTIVITIES = ["typing", "active", "idle", "away"] as const;

const PresenceFields = {
  user: UserSchema.optional(),
  cursor: CursorSchema.optional(),
  activity: z.enum(PRESENCE_ACTIVITIES, {
    error: "activity must be one of " + PRESENCE_ACTIVITIES.join(", "),
  }).optional(),
};

/**
 * One person's presence as Duet relays it: who they are (`user`, read by the
 * presence list and the remote carets), where their cursor is, and whether
 * they are typing, idle or away. Other fields are dropped.
 */
export const PresenceStateSchema = z.object(PresenceFields);

/** A validated presence state. */
export type PresenceState = z.infer<typeof PresenceStateSchema>;

/** One entry of an awareness update; `state` `null` means the person left. */
export interface PresenceEntry {
  clientId: number;
  clock: number;
  state: PresenceState | null;
}

/** Options for {@linkcode decodePresenceUpdate}. */
export interface DecodePresenceOptions {
  /**
   * Whether the sender may speak for `clientId`; entries it may not are
   * skipped without being parsed. `removal` tells whether the entry says
   * the person left.
   */
  accepts: (clientId: number, removal: boolean) => boolean;
  /** Largest state, in bytes of JSON. */
  maxStateBytes: number;
}

/** A known presence field an accepted state held in a shape Duet does not relay. */
export interface DroppedPresenceField {
  clientId: number;
  /** The top-level field, or `state` when the state was not an object. */
  field: string;
  /** What was wrong with it. */
  message: string;
}

/** What {@linkcode decodePresenceUpdate} found. */
export interface DecodedPresence {
  /** The accepted entries, validated and stripped of unknown and invalid fields. */
  entries: PresenceEntry[];
  /** The fields dropped from accepted states because they were invalid. */
  dropped: DroppedPresenceField[];
  /** How many entries were skipped. */
  skipped: number;
  /**
   * True when nothing was skipped or stripped: the update as received says
   * exactly what `entries` say, so it may be applied and relayed as it is.
   */
  verbatim: boolean;
}

const NULL_STATE = new TextEncoder().encode("null");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes an awareness update (the body of a y-websocket awareness message).
 *
 * @throws {ProtocolError} 1007 when it is malformed, 1008 when an accepted
 * state is too large. Invalid fields of a state are dropped and listed in
 * {@linkcode DecodedPresence.dropped}.
 */
export function decodePresenceUpdate(
  update: Uint8Array,
  options: DecodePresenceOptions,
): DecodedPresence {
  const raw: { clientId: number; clock: number; json: Uint8Array }[] = [];
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    // Each entry takes at least three bytes: a count past that is a lie.
    if (count * 3 > update.length) {
      throw new ProtocolError("Awareness update claims too many states");
    }
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarUint8Array(decoder);
      raw.push({ clientId, clock, json });
    }
    if (decoding.hasContent(decoder)) {
      throw new ProtocolError("Trailing bytes after an awareness update");
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`Malformed awareness update: ${String(error)}`);
  }

  const entries: PresenceEntry[] = [];
  const dropped: DroppedPresenceField[] = [];
  let stripped = false;
  for (const { clientId, clock, json } of raw) {
    const removal = equalBytes(json, NULL_STATE);
    if (!options.accepts(clientId, removal)) continue;
    if (removal) {
      entries.push({ clientId, clock, state: null });
      continue;
    }
    if (json.length > options.maxStateBytes) {
      throw new ProtocolError(
        `Presence must be at most ${options.maxStateBytes} bytes`,
        CloseCode.policyViolation,
        { reason: "presence_refused" },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(json));
    } catch {
      throw new ProtocolError("Presence is not valid JSON");
    }
    // Nearly every state is exactly what the editor sends: that is checked
    // by hand (about 40 % less time per state, parsing included); anything
    // else goes through the schema.
    if (isPlainPresence(value)) {
      entries.push({ clientId, clock, state: value });
      continue;
    }
    const parsed = PresenceStateSchema.safeParse(value);
    if (parsed.success) {
      stripped ||= !sameKeys(value, parsed.data);
      entries.push({ clientId, clock, state: parsed.data });
      continue;
    }
    stripped = true;
    entries.push({ clientId, clock, state: salvagePresence(value, clientId, dropped) });
  }
  const skipped = raw.length - entries.length;
  return { entries, dropped, skipped, verbatim: skipped === 0 && !stripped };
}

/** Keeps the valid fields of a state the schema refused, listing the others in `dropped`. */
function salvagePresence(
  value: unknown,
  clientId: number,
  dropped: DroppedPresenceField[],
): PresenceState {
  if (!isObject(value)) {
    dropped.push({ clientId, field: "state", message: "presence must be an object" });
    return {};
  }
  const state: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(PresenceFields)) {
    if (!Object.hasOwn(value, field)) continue;
    const parsed = schema.safeParse(value[field]);
    if (parsed.success) {
      state[field] = parsed.data;
      continue;
    }
    const issue = parsed.error.issues[0];
    const message = issue.message.startsWith(field)
      ? issue.message
      : `${[field, ...issue.path].join(".")}: ${issue.message}`;
    dropped.push({ clientId, field, message });
  }
  // Each field passed its own schema, so the whole passes too.
  return PresenceStateSchema.parse(state);
}

/**
 * Whether `value` is a presence state {@linkcode PresenceStateSchema} accepts
 * as it is, with no key to drop: then the schema would return an equal value
 * and need not run. False says nothing (the schema decides); the test suite
 * checks that true is never said of a value the schema refuses or changes.
 */
export function isPlainPresence(value: unknown): value is PresenceState {
  if (!isObject(value) || !hasOnlyKeys(value, PRESENCE_KEYS)) return false;
  const { user, cursor, activity } = value;
  if (activity !== undefined && (typeof activity !== "string" || !ACTIVITIES.has(activity))) {
    return false;
  }
  if (user !== undefined) {
    if (!isObject(user) || !hasOnlyKeys(user, USER_KEYS)) return false;
    const { name, color, colorLight } = user;
    // A name of at most 64 UTF-16 units has at most 64 code points.
    if (typeof name !== "string" || name.length > MAX_PRESENCE_NAME_LENGTH) return false;
    if (typeof color !== "string" || !COLOR.test(color)) return false;
    if (
      colorLight !== undefined &&
      (typeof colorLight !== "string" || !COLOR_WITH_ALPHA.test(colorLight))
    ) return false;
  }
  if (cursor !== undefined && cursor !== null) {
    if (!isObject(cursor) || !hasOnlyKeys(cursor, CURSOR_KEYS)) return false;
    if (!isPlainPosition(cursor.anchor) || !isPlainPosition(cursor.head)) return false;
    if (JSON.stringify(cursor).length > MAX_CURSOR_BYTES) return false;
  }
  return true;
}

const PRESENCE_KEYS = new Set(["user", "cursor", "activity"]);
const ACTIVITIES: ReadonlySet<string> = new Set(PRESENCE_ACTIVITIES);
const USER_KEYS = new Set(["name", "color", "colorLight"]);
const CURSOR_KEYS = new Set(["anchor", "head"]);
const POSITION_KEYS = new Set(["type", "tname", "item", "assoc"]);
const ID_KEYS = new Set(["client", "clock"]);

function isPlainPosition(value: unknown): boolean {
  if (!isObject(value) || !hasOnlyKeys(value, POSITION_KEYS)) return false;
  const { type, tname, item, assoc } = value;
  return (type == null || isPlainId(type)) && (item == null || isPlainId(item)) &&
    (tname == null || (typeof tname === "string" && tname.length <= 256)) &&
    (assoc === undefined || Number.isSafeInteger(assoc));
}

function isPlainId(value: unknown): boolean {
  if (!isObject(value) || !hasOnlyKeys(value, ID_KEYS)) return false;
  const { client, clock } = value;
  return Number.isSafeInteger(client) && (client as number) >= 0 &&
    Number.isSafeInteger(clock) && (clock as number) >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether every own key of `value` is in `keys` (which may have more). */
function hasOnlyKeys(value: object, keys: ReadonlySet<string>): boolean {
  for (const key in value) {
    if (!keys.has(key)) return false;
  }
  return true;
}

/**
 * Whether `parsed` (what the schema kept of `value`) has every key `value`
 * has, at every depth. The schemas only drop keys, never change values, so
 * equal key counts mean equal content.
 */
function sameKeys(value: unknown, parsed: unknown): boolean {
  if (typeof parsed !== "object" || parsed === null) return true;
  const keys = Object.keys(parsed);
  if (Object.keys(value as object).length !== keys.length) return false;
  for (const key of keys) {
    if (
      !sameKeys((value as Record<string, unknown>)[key], (parsed as Record<string, unknown>)[key])
    ) return false;
  }
  return true;
}

/**
 * Applies decoded entries to `awareness` with the rules of y-protocols'
 * `applyAwarenessUpdate` (a newer clock wins; a removal at the same clock
 * too; nobody removes the local state) and the same `change` and `update`
 * events, without decoding and parsing the update a second time.
 */
export function applyPresence(
  awareness: Awareness,
  entries: readonly PresenceEntry[],
  origin: unknown,
): void {
  const now = Date.now();
  const added: number[] = [];
  const updated: number[] = [];
  const changed: number[] = [];
  const removed: number[] = [];
  for (const entry of entries) {
    const { clientId, state } = entry;
    let clock = entry.clock;
    const meta = awareness.meta.get(clientId);
    const known = meta?.clock ?? 0;
    const newer = known < clock ||
      (known === clock && state === null && awareness.states.has(clientId));
    if (!newer) continue;
    const previous = awareness.states.get(clientId);
    if (state !== null) {
      awareness.states.set(clientId, state);
    } else if (clientId === awareness.clientID && awareness.getLocalState() !== null) {
      clock++; // our own state stays: a newer clock says it is still here
    } else {
      awareness.states.delete(clientId);
    }
    awareness.meta.set(clientId, { clock, lastUpdated: now });
    if (meta === undefined && state !== null) {
      added.push(clientId);
    } else if (meta !== undefined && state === null) {
      removed.push(clientId);
    } else if (state !== null) {
      if (!equalityDeep(state, previous)) changed.push(clientId);
      updated.push(clientId);
    }
  }
  if (added.length || changed.length || removed.length) {
    awareness.emit("change", [{ added, updated: changed, removed }, origin]);
  }
  if (added.length || updated.length || removed.length) {
    awareness.emit("update", [{ added, updated, removed }, origin]);
  }
}

/** Encodes entries as an awareness update, as y-protocols does. */
export function encodePresenceUpdate(entries: readonly PresenceEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
