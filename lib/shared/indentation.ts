/**
 * Indentation units: the unit a document already uses, and re-indenting
 * inserted text to that unit so that one file never mixes tabs and spaces
 * (each language's own convention is `LANGUAGE_INDENT_UNITS` in
 * `languages.ts`). Browser-safe: the editor imports it.
 *
 * @module
 */
import detectIndent from "detect-indent";

/** How much of a document {@linkcode detectIndentUnit} reads: enough lines to tell, bounded in cost. */
export const DETECT_SAMPLE_CHARS = 64 * 1024;

/** The widest space unit taken as indentation; wider runs are alignment. */
const MAX_SPACE_UNIT = 8;

/**
 * The indentation unit `text` already uses (`"\t"` or 1–8 spaces), or `null`
 * when it has no indented lines to tell by. Reads at most the first
 * {@linkcode DETECT_SAMPLE_CHARS} characters.
 *
 * @example
 * ```ts
 * detectIndentUnit("if (a) {\n    b();\n}"); // "    "
 * ```
 */
export function detectIndentUnit(text: string): string | null {
  const { type, amount } = detectIndent(text.slice(0, DETECT_SAMPLE_CHARS));
  if (type === "tab") return "\t";
  if (type === "space" && amount >= 1 && amount <= MAX_SPACE_UNIT) return " ".repeat(amount);
  return null;
}

/** Options for {@linkcode reindentSuggestion}. */
export interface ReindentOptions {
  /** The leading whitespace of the line the text is inserted into. */
  lineIndent: string;
  /** The document's indentation unit. */
  unit: string;
}

/**
 * Rewrites the indentation of the second and later lines of `text` (text to
 * insert on a line indented by `lineIndent`) from whatever unit it came in to
 * `unit`. Lines keep their level: their indentation beyond `lineIndent` is
 * counted in the text's own unit (its narrowest extra indentation) and
 * rebuilt from `unit`; spaces left over from alignment stay as they are.
 *
 * @example
 * ```ts
 * reindentSuggestion(" f() {\n  g();\n}", { lineIndent: "", unit: "\t" }); // " f() {\n\tg();\n}"
 * ```
 */
export function reindentSuggestion(text: string, options: ReindentOptions): string {
  const [first, ...rest] = text.split("\n");
  if (rest.length === 0) return text;
  const { lineIndent, unit } = options;
  const extras = rest.map((line) => {
    const base = line.startsWith(lineIndent) ? lineIndent.length : 0;
    const body = line.slice(base);
    const extra = body.length - body.trimStart().length;
    return { line, extra: body.slice(0, extra), body: body.slice(extra) };
  });
  const widths = extras.map(({ extra }) => columns(extra)).filter((width) => width > 0);
  const textUnit = widths.length === 0 ? 1 : Math.min(...widths);
  const lines = extras.map(({ line, extra, body }) => {
    if (extra === "" && body === "") return line;
    const width = columns(extra);
    const levels = Math.floor(width / textUnit);
    const alignment = " ".repeat(width - levels * textUnit);
    return lineIndent + unit.repeat(levels) + alignment + body;
  });
  return [first, ...lines].join("\n");
}

// A tab in inserted text stands for one level, whatever its display width,
// so it counts as the narrowest space unit a template would use.
function columns(whitespace: string): number {
  let width = 0;
  for (const char of whitespace) width += char === "\t" ? TAB_COLUMNS : 1;
  return width;
}

const TAB_COLUMNS = 4;
