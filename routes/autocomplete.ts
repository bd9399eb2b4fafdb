import { clientAddress, type Handlers } from "../lib/app.ts";
import { suggestCompletion } from "../lib/autocomplete.ts";
import { HttpError } from "../lib/errors.ts";
import { parseJsonRequest, readBodyText, requestSchemas } from "../lib/requests.ts";

export const handler: Handlers = {
  async POST(c) {
    const { limits } = c.var.services.config;
    const wait = c.var.services.rateLimits.autocomplete.take(clientAddress(c));
    if (wait > 0) {
      throw new HttpError(
        429,
        `Too many suggestions asked from your address (${limits.autocompletePerMinute} a minute): try again in ${wait} s`,
        { reason: "autocomplete_rate", retryAfterSeconds: wait },
      );
    }
    const text = await readBodyText(c.req.raw, limits.autocompleteMaxBytes);
    const request = parseJsonRequest(requestSchemas(limits.maxDocumentBytes).autocomplete, text);
    return c.json({ suggestion: suggestCompletion(request) });
  },
};
