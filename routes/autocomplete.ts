import { clientAddress, type Handlers } from "../lib/web/app.ts";
import { suggestCompletion } from "../lib/autocomplete/autocomplete.ts";
import { HttpError } from "../lib/web/errors.ts";
import { mediaType, parseJsonRequest, readBodyText, requestSchemas } from "../lib/web/requests.ts";
import type { AutocompleteResponse } from "../lib/shared/wire.ts";

export const handler: Handlers = {
  async POST(c) {
    const { limits } = c.var.services.config;
    c.var.services.rateLimits.autocomplete.enforce(
      clientAddress(c),
      "suggestions asked",
      "autocomplete_rate",
    );
    const type = mediaType(c);
    if (type !== "application/json") {
      throw new HttpError(415, `Send JSON (application/json), not ${type || "no content type"}`);
    }
    const text = await readBodyText(c, limits.autocompleteMaxBytes);
    const request = parseJsonRequest(requestSchemas(limits.maxDocumentBytes).autocomplete, text);
    return c.json({ suggestion: suggestCompletion(request) } satisfies AutocompleteResponse);
  },
};
