import type { Handlers } from "../lib/app.ts";
import { suggestCompletion } from "../lib/autocomplete.ts";
import { MAX_JSON_BODY_BYTES } from "../lib/limits.ts";
import { AutocompleteRequestSchema, parseJsonRequest, readBodyText } from "../lib/requests.ts";

export const handler: Handlers = {
  async POST(c) {
    const text = await readBodyText(c.req.raw, MAX_JSON_BODY_BYTES);
    const request = parseJsonRequest(AutocompleteRequestSchema, text);
    return c.json({ suggestion: suggestCompletion(request) });
  },
};
