/**
 * Run messages as they travel in a room (y-websocket message type 101, a
 * UTF-8 JSON body after the type byte): what a runner's page sends, what the
 * server relays and keeps, and their zod schemas. Browser-safe; the server and
 * the page both parse with these.
 *
 * @module
 */
import { z } from "zod";
import {
  MAX_RUN_OUTPUT_LINES,
  type OutputItem,
  RUNNABLE_LANGUAGES,
  RUNS_KEPT,
} from "./run_output.ts";
import { MessageType } from "./wire.ts";

/** The y-websocket message type of run messages, beside Duet's save receipts (100). */
export const RUN_MESSAGE_TYPE: typeof MessageType.run = MessageType.run;

/** Most characters of a name shown as who ran a run. */
const MAX_NAME = 64;

const RunIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

/** One piece of output. */
export const OutputItemSchema: z.ZodType<OutputItem> = z.union([
  z.strictObject({ s: z.enum(["out", "err", "info", "in"]), text: z.string() }),
  z.strictObject({
    s: z.literal("table"),
    columns: z.array(z.string()).max(1_000),
    rows: z.array(z.array(z.string().nullable()).max(1_000)).max(MAX_RUN_OUTPUT_LINES),
  }),
]);

const StatusSchema = z.enum(["ok", "error", "timeout", "stopped", "crashed", "disconnected"]);

/** What a runner's page sends about its own run. */
export const ClientRunEventSchema = z.discriminatedUnion("t", [
  z.strictObject({ t: z.literal("start"), run: RunIdSchema, language: z.enum(RUNNABLE_LANGUAGES) }),
  z.strictObject({
    t: z.literal("output"),
    run: RunIdSchema,
    items: z.array(OutputItemSchema).min(1).max(MAX_RUN_OUTPUT_LINES),
  }),
  z.strictObject({
    t: z.literal("end"),
    run: RunIdSchema,
    status: StatusSchema.exclude(["disconnected"]),
  }),
]);

/** A client's run event. */
export type ClientRunEvent = z.infer<typeof ClientRunEventSchema>;

/** A run as the room keeps it. */
export const RunRecordSchema = z.strictObject({
  id: RunIdSchema,
  language: z.enum(RUNNABLE_LANGUAGES),
  /** Who ran it: their name in the room when they pressed Run. */
  by: z.string().max(MAX_NAME),
  /** Server time (ms since 1970) when it started. */
  startedAt: z.number(),
  status: z.union([z.literal("running"), StatusSchema]),
  /** How long it ran, once it has ended. */
  ms: z.number().nonnegative().optional(),
  truncated: z.boolean(),
  items: z.array(OutputItemSchema),
});

/** A run as the room keeps it. */
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** What the server sends: the kept runs on joining, then each run's events. */
export const ServerRunEventSchema = z.discriminatedUnion("t", [
  z.strictObject({ t: z.literal("history"), runs: z.array(RunRecordSchema).max(RUNS_KEPT) }),
  z.strictObject({ t: z.literal("start"), run: RunRecordSchema }),
  z.strictObject({
    t: z.literal("output"),
    run: RunIdSchema,
    items: z.array(OutputItemSchema),
    truncated: z.boolean(),
  }),
  z.strictObject({
    t: z.literal("end"),
    run: RunIdSchema,
    status: StatusSchema,
    ms: z.number().nonnegative(),
    truncated: z.boolean(),
  }),
]);

/** A server's run event. */
export type ServerRunEvent = z.infer<typeof ServerRunEventSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Frames a run event as a room message. */
export function encodeRunMessage(event: ClientRunEvent | ServerRunEvent): Uint8Array {
  const body = encoder.encode(JSON.stringify(event));
  const message = new Uint8Array(body.byteLength + 1);
  message[0] = RUN_MESSAGE_TYPE;
  message.set(body, 1);
  return message;
}

/**
 * The JSON value of a run message's body (after the type byte).
 *
 * @throws {TypeError} for bytes that are not UTF-8, {SyntaxError} for bad JSON.
 */
export function decodeRunBody(body: Uint8Array): unknown {
  return JSON.parse(decoder.decode(body));
}
