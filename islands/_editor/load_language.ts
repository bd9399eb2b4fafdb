/**
 * Lazy CodeMirror language support: each mode is a dynamic import, so the
 * bundler puts it in its own chunk and a room only downloads its language.
 *
 * @module
 */
import { type Extension, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import type { LanguageId } from "../../lib/languages.ts";

const loaded = new Map<LanguageId, Extension>();
const loading = new Map<LanguageId, Promise<Extension>>();

/**
 * Loads (once) the editor extension for a room language: its syntax support
 * (none for plain text) plus bracket closing.
 */
export function loadLanguage(id: LanguageId): Promise<Extension> {
  const ready = loaded.get(id);
  if (ready !== undefined) return Promise.resolve(ready);
  let pending = loading.get(id);
  if (pending === undefined) {
    pending = Promise.all([importLanguage(id), importBracketClosing()]).then(
      (extension: Extension) => {
        loaded.set(id, extension);
        loading.delete(id);
        return extension;
      },
      (error: unknown) => {
        // Forget the failure so that a later switch can try the chunk again.
        loading.delete(id);
        throw error;
      },
    );
    loading.set(id, pending);
  }
  return pending;
}

/** The extension for `id` if it has already been loaded, without waiting. */
export function loadedLanguage(id: LanguageId): Extension | undefined {
  return loaded.get(id);
}

// Bracket closing lives in @codemirror/autocomplete, which every language
// mode imports anyway; loading it with the mode keeps it out of the code the
// editor needs before it can show up.
async function importBracketClosing(): Promise<Extension> {
  const { closeBrackets, closeBracketsKeymap } = await import(
    "@codemirror/autocomplete"
  );
  // Above the default keymap, so that Backspace deletes an empty pair.
  return [closeBrackets(), Prec.high(keymap.of(closeBracketsKeymap))];
}

async function importLanguage(id: LanguageId): Promise<Extension> {
  switch (id) {
    case "javascript": {
      const { javascript } = await import("@codemirror/lang-javascript");
      return javascript();
    }
    case "typescript": {
      const { javascript } = await import("@codemirror/lang-javascript");
      return javascript({ typescript: true });
    }
    case "python": {
      const { python } = await import("@codemirror/lang-python");
      return python();
    }
    case "java": {
      const { java } = await import("@codemirror/lang-java");
      return java();
    }
    case "go": {
      const { go } = await import("@codemirror/lang-go");
      return go();
    }
    case "cpp": {
      const { cpp } = await import("@codemirror/lang-cpp");
      return cpp();
    }
    case "rust": {
      const { rust } = await import("@codemirror/lang-rust");
      return rust();
    }
    case "sql": {
      const { sql } = await import("@codemirror/lang-sql");
      return sql();
    }
    case "html": {
      const { html } = await import("@codemirror/lang-html");
      return html();
    }
    case "css": {
      const { css } = await import("@codemirror/lang-css");
      return css();
    }
    case "json": {
      const { json } = await import("@codemirror/lang-json");
      return json();
    }
    case "markdown": {
      const { markdown } = await import("@codemirror/lang-markdown");
      return markdown();
    }
    case "plaintext":
      return [];
  }
}
