/**
 * The island's only network call besides the collaboration socket: asking the
 * server for an autocomplete suggestion.
 *
 * @module
 */
import * as z from "zod/mini";
import {
  AUTOCOMPLETE_PATH,
  type AutocompleteRequest,
  type AutocompleteResponse,
} from "../../lib/shared/wire.ts";

/** Options for {@linkcode fetchSuggestion}. */
export interface FetchSuggestionOptions {
  /** Aborts the request when the editor has moved on. */
  signal?: AbortSignal;
}

const SuggestionResponse: z.ZodMiniType<AutocompleteResponse> = z.object({
  suggestion: z.string(),
});

/**
 * Asks the server for the text to insert at the cursor; `""` means none.
 * Rejects on network errors, non-2xx answers and malformed bodies.
 */
export async function fetchSuggestion(
  request: AutocompleteRequest,
  options: FetchSuggestionOptions = {},
): Promise<string> {
  const response = await fetch(AUTOCOMPLETE_PATH, {
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
