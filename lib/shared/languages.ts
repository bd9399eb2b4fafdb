/** The languages a room can be in, with the ids the HTTP API uses. */
export const LANGUAGE_IDS = [
  "javascript",
  "typescript",
  "python",
  "java",
  "go",
  "cpp",
  "rust",
  "sql",
  "html",
  "css",
  "json",
  "markdown",
  "plaintext",
] as const;

/** One of {@linkcode LANGUAGE_IDS}. */
export type LanguageId = typeof LANGUAGE_IDS[number];

/** The language a room gets when none is asked for. */
export const DEFAULT_LANGUAGE: LanguageId = "javascript";

/** Human-readable names for the language picker. */
export const LANGUAGE_LABELS: Readonly<Record<LanguageId, string>> = {
  javascript: "JavaScript",
  typescript: "TypeScript",
  python: "Python",
  java: "Java",
  go: "Go",
  cpp: "C++",
  rust: "Rust",
  sql: "SQL",
  html: "HTML",
  css: "CSS",
  json: "JSON",
  markdown: "Markdown",
  plaintext: "Plain text",
};

/** `value` when it is a known language id, else `fallback`. */
export function languageOr(value: unknown, fallback: LanguageId = DEFAULT_LANGUAGE): LanguageId {
  return isLanguageId(value) ? value : fallback;
}

/**
 * The unit one level of indentation adds in a new file of each language: the
 * language's own style guide or formatter (PEP 8, gofmt, Google Java, rustfmt,
 * Prettier for the web languages).
 */
export const LANGUAGE_INDENT_UNITS: Readonly<Record<LanguageId, string>> = {
  javascript: "  ",
  typescript: "  ",
  python: "    ",
  java: "    ",
  go: "\t",
  cpp: "    ",
  rust: "    ",
  sql: "  ",
  html: "  ",
  css: "  ",
  json: "  ",
  markdown: "  ",
  plaintext: "    ",
};

/** Whether `value` is a known language id. */
export function isLanguageId(value: unknown): value is LanguageId {
  return typeof value === "string" &&
    (LANGUAGE_IDS as readonly string[]).includes(value);
}

/**
 * Whether the Run button can run code of `language` (JavaScript, TypeScript
 * and SQL; `RUNNABLE_LANGUAGES` in `run_output.ts` lists the same).
 */
export function isRunnable(language: string): boolean {
  return language === "javascript" || language === "typescript" || language === "sql";
}
