import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { MAX_CODE_BYTES, utf8Length } from "../ops/limits.ts";
import {
  AutocompleteRequestSchema,
  CreateRoomRequestSchema,
  parseJsonRequest,
} from "./requests.ts";

function rejection(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error;
  }
  assert.fail("expected an HttpError");
}

Deno.test("CreateRoomRequestSchema – accepts an empty object and both fields", () => {
  assert.deepEqual(parseJsonRequest(CreateRoomRequestSchema, "{}"), {});
  assert.deepEqual(
    parseJsonRequest(CreateRoomRequestSchema, '{"language":"go","code":"package main"}'),
    { language: "go", code: "package main" },
  );
});

Deno.test("CreateRoomRequestSchema – rejects unknown languages, fields and wrong types", () => {
  const unknown = rejection(() =>
    parseJsonRequest(CreateRoomRequestSchema, '{"language":"cobol"}')
  );
  assert.equal(unknown.status, 400);
  assert.equal(unknown.code, "validation_failed");
  assert.equal(unknown.issues?.[0].path, "language");
  assert.match(unknown.issues![0].message, /Unknown language "cobol"/);

  const extra = rejection(() => parseJsonRequest(CreateRoomRequestSchema, '{"owner":"me"}'));
  assert.match(extra.issues![0].message, /owner/);

  const wrongType = rejection(() => parseJsonRequest(CreateRoomRequestSchema, '{"code":1}'));
  assert.equal(wrongType.issues?.[0].path, "code");

  const array = rejection(() => parseJsonRequest(CreateRoomRequestSchema, "[]"));
  assert.equal(array.issues?.[0].path, "(body)");
});

Deno.test("parseJsonRequest – malformed JSON is a 400 invalid_json", () => {
  const error = rejection(() => parseJsonRequest(CreateRoomRequestSchema, "{"));
  assert.equal(error.status, 400);
  assert.equal(error.code, "invalid_json");
});

Deno.test("AutocompleteRequestSchema – accepts a cursor anywhere in the code", () => {
  for (const cursorPosition of [0, 2, 5]) {
    const body = JSON.stringify({ code: "hello", cursorPosition, language: "python" });
    assert.equal(parseJsonRequest(AutocompleteRequestSchema, body).cursorPosition, cursorPosition);
  }
});

Deno.test("AutocompleteRequestSchema – rejects cursors outside the code", () => {
  for (const cursorPosition of [6, -1, 1.5, "2"]) {
    const body = JSON.stringify({ code: "hello", cursorPosition, language: "python" });
    const error = rejection(() => parseJsonRequest(AutocompleteRequestSchema, body));
    assert.equal(error.issues?.[0].path, "cursorPosition", String(cursorPosition));
  }
});

Deno.test("AutocompleteRequestSchema – requires every field", () => {
  const error = rejection(() => parseJsonRequest(AutocompleteRequestSchema, "{}"));
  assert.deepEqual(error.issues?.map((issue) => issue.path).sort(), [
    "code",
    "cursorPosition",
    "language",
  ]);
});

Deno.test("AutocompleteRequestSchema – rejects code over the size limit", () => {
  const code = "é".repeat(MAX_CODE_BYTES / 2 + 1);
  const body = JSON.stringify({ code, cursorPosition: 0, language: "python" });
  const error = rejection(() => parseJsonRequest(AutocompleteRequestSchema, body));
  assert.equal(error.issues?.[0].path, "code");
  assert.match(error.issues![0].message, /at most/);
});

Deno.test("utf8Length – counts bytes as TextEncoder does", () => {
  for (const text of ["", "abc", "é", "日本語", "😀x", "\ud800"]) {
    assert.equal(utf8Length(text), new TextEncoder().encode(text).length, text);
  }
});
