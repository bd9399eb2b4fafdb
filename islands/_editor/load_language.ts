/**
 * Lazy CodeMirror language support: each mode is a dynamic import, so the
 * bundler puts it in its own chunk and a room only downloads its language.
 *
 * The modes in `./modes/` import the Lezer languages (`pythonLanguage`, …)
 * statically instead of calling `python()` and the like: those add completion
 * sources that Duet does not use (its hints come from the server) and that
 * would pull most of @codemirror/autocomplete into every room. A dynamic
 * `import("@codemirror/lang-python")` would keep all of a package's exports,
 * hence one small module per mode.
 *
 * @module
 */
import type { Extension } from "@codemirror/state";
import type { LanguageId } from "../../lib/shared/languages.ts";

const loaded = new Map<LanguageId, Extension>();
const loading = new Map<LanguageId, Promise<Extension>>();

/** Loads (once) the editor extension for a room language: its syntax support, none for plain text. */
export function loadLanguage(id: LanguageId): Promise<Extension> {
  const ready = loaded.get(id);
  if (ready !== undefined) return Promise.resolve(ready);
  let pending = loading.get(id);
  if (pending === undefined) {
    pending = importLanguage(id).then(
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

async function importLanguage(id: LanguageId): Promise<Extension> {
  switch (id) {
    case "javascript":
      return (await import("./modes/javascript.ts")).javascriptMode;
    case "typescript":
      return (await import("./modes/javascript.ts")).typescriptMode;
    case "python":
      return (await import("./modes/python.ts")).pythonMode;
    case "java":
      return (await import("./modes/java.ts")).javaMode;
    case "go":
      return (await import("./modes/go.ts")).goMode;
    case "cpp":
      return (await import("./modes/cpp.ts")).cppMode;
    case "rust":
      return (await import("./modes/rust.ts")).rustMode;
    case "sql":
      return (await import("./modes/sql.ts")).sqlMode;
    case "html":
      return (await import("./modes/html.ts")).htmlMode;
    case "css":
      return (await import("./modes/css.ts")).cssMode;
    case "json":
      return (await import("./modes/json.ts")).jsonMode;
    case "markdown":
      return (await import("./modes/markdown.ts")).markdownMode;
    case "plaintext":
      return [];
  }
}
