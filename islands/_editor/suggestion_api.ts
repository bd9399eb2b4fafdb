/**
 * The island's only network call besides the collaboration socket: asking the
 * server for an autocomplete suggestion.
 *
 * @module
 */
import * as z from "zod/mini";
import type { LanguageId } from "../../lib/shared/languages.ts";

/** What the editor sends to `POST /autocomplete`. */
export interface SuggestionRequest {
  code: string;
  /** UTF-16 offset of the cursor in `code`. */
  cursorPosition: number;
  language: LanguageId;
}

/** Options for {@linkcode fetchSuggestion}. */
export interface FetchSuggestionOptions {
  /** Aborts the request when the editor has moved on. */
  signal?: AbortSignal;
}

const SuggestionResponse = z.object({ suggestion: z.string() });

/**
 * Asks the server for the text to insert at the cursor; `""` means none.
 * Rejects on network errors, non-2xx answers and malformed bodies.
 */
export async function fetchSuggestion(
  request: SuggestionRequest,
  options: FetchSuggestionOptions = {},
): Promise<string> {
  const response = await fetch("/autocomplete", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
    signal: options.signal,
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Autocomplete answered with status ${response.status}`);
  }
  const parsed = SuggestionResponse.safeParse(await response.json());
  if (!parsed.success) {
    throw new Error("Autocomplete answered with an unexpected body");
  }
  return parsed.data.suggestion;
}
