import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { HttpError } from "./errors.ts";
import { LANGUAGE_IDS } from "../shared/languages.ts";
import type { AutocompleteRequest } from "../shared/wire.ts";
import { formatBytes, MAX_CODE_BYTES, utf8Length } from "../ops/limits.ts";

const LanguageSchema = z.enum(LANGUAGE_IDS, {
  error: (issue) =>
    `Unknown language ${JSON.stringify(issue.input)}; expected one of ${LANGUAGE_IDS.join(", ")}`,
});

function codeSchema(maxCodeBytes: number) {
  return z.string().refine(
    (code) => utf8Length(code) <= maxCodeBytes,
    `Code must be at most ${maxCodeBytes} bytes (${formatBytes(maxCodeBytes)})`,
  );
}

function createRoomSchema(maxCodeBytes: number) {
  return z.strictObject({
    language: LanguageSchema.optional(),
    code: codeSchema(maxCodeBytes).optional(),
  });
}

function autocompleteSchema(maxCodeBytes: number): z.ZodType<AutocompleteRequest> {
  return z.strictObject({
    code: codeSchema(maxCodeBytes),
    cursorPosition: z.int().nonnegative(),
    language: LanguageSchema,
  }).refine((request) => request.cursorPosition <= request.code.length, {
    path: ["cursorPosition"],
    message: "Cursor position must be within the code",
  });
}

/** Body of `POST /rooms` with the default document limit: both fields optional. */
export const CreateRoomRequestSchema: ReturnType<typeof createRoomSchema> = createRoomSchema(
  MAX_CODE_BYTES,
);

/** A validated `POST /rooms` body. */
export type CreateRoomRequest = z.infer<typeof CreateRoomRequestSchema>;

/** Body of `POST /autocomplete` with the default document limit. */
export const AutocompleteRequestSchema: ReturnType<typeof autocompleteSchema> = autocompleteSchema(
  MAX_CODE_BYTES,
);

const schemasByLimit = new Map<number, RequestSchemas>();

/** The request schemas for one document limit. */
export interface RequestSchemas {
  createRoom: typeof CreateRoomRequestSchema;
  autocomplete: typeof AutocompleteRequestSchema;
}

/**
 * The request schemas that hold code to `maxCodeBytes` (the configured
 * document limit, so `POST /rooms` and live editing agree).
 */
export function requestSchemas(maxCodeBytes: number): RequestSchemas {
  let schemas = schemasByLimit.get(maxCodeBytes);
  if (!schemas) {
    schemas = maxCodeBytes === MAX_CODE_BYTES
      ? { createRoom: CreateRoomRequestSchema, autocomplete: AutocompleteRequestSchema }
      : {
        createRoom: createRoomSchema(maxCodeBytes),
        autocomplete: autocompleteSchema(maxCodeBytes),
      };
    schemasByLimit.set(maxCodeBytes, schemas);
  }
  return schemas;
}

/**
 * Parses `text` as JSON and validates it, throwing a 400 {@linkcode HttpError}
 * that lists every problem.
 */
export function parseJsonRequest<T>(schema: z.ZodType<T>, text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON", {
      code: "invalid_json",
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, "Request body is invalid", {
      code: "validation_failed",
      issues: result.error.issues.map((issue) => ({
        path: issue.path.join(".") || "(body)",
        message: issue.message,
      })),
    });
  }
  return result.data;
}

/**
 * Refuses a body over `maxBytes` with 413 before more of it is read: at once
 * by its declared Content-Length, else as soon as the streamed bytes pass the
 * limit (Hono's `bodyLimit`, which then keeps the body for the handler).
 */
export async function limitBody(c: Context, maxBytes: number): Promise<void> {
  const tooLarge = (): never => {
    throw new HttpError(
      413,
      `Request body must be at most ${maxBytes} bytes (${formatBytes(maxBytes)})`,
      { reason: "body_too_large" },
    );
  };
  await bodyLimit({ maxSize: maxBytes, onError: tooLarge })(c, () => Promise.resolve());
}

/**
 * Reads a request body as UTF-8 text, refusing with 413 past `maxBytes`
 * (see {@linkcode limitBody}) and with 400 when it is not UTF-8.
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  await limitBody(c, maxBytes);
  const bytes = await c.req.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "Request body is not valid UTF-8", { code: "invalid_json" });
  }
}

/** The media type of a request's body, lower case without parameters; `""` when none is sent. */
export function mediaType(c: Context): string {
  return c.req.header("content-type")?.split(";")[0].trim().toLowerCase() ?? "";
}
