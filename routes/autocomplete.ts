import { clientAddress, type Handlers } from "../lib/web/app.ts";
import { suggestCompletion } from "../lib/autocomplete/autocomplete.ts";
import { parseJsonRequest, readBodyText, requestSchemas } from "../lib/web/requests.ts";
import type { AutocompleteResponse } from "../lib/shared/wire.ts";

export const handler: Handlers = {
  async POST(c) {
    const { limits } = c.var.services.config;
    c.var.services.rateLimits.autocomplete.enforce(
      clientAddress(c),
      "suggestions asked",
      "autocomplete_rate",
    );
    const text = await readBodyText(c.req.raw, limits.autocompleteMaxBytes);
    const request = parseJsonRequest(requestSchemas(limits.maxDocumentBytes).autocomplete, text);
    return c.json({ suggestion: suggestCompletion(request) } satisfies AutocompleteResponse);
  },
};
