/**
 * Rule-based completion for the editor hint. Three rules, in priority order:
 * a snippet for the construct the line starts, the rest of the word at the
 * cursor, and closers for brackets and quotes left open on the line.
 *
 * Pure: no IO, no `Deno.*`, and linear in the size of the document.
 *
 * @module
 */
import type { AutocompleteRequest } from "../shared/wire.ts";
import {
  PLAINTEXT,
  type Profile,
  PROFILES,
  type QuoteRule,
  type Syntax,
  words,
} from "./profiles.ts";

/** Shortest word at the cursor that is completed. */
const MIN_PREFIX_LENGTH = 2;
/** Longest word at the cursor that is completed; longer runs are data, not names. */
const MAX_PREFIX_LENGTH = 100;
/** Identifiers are collected this far either side of the cursor (200 KB in all). */
const IDENTIFIER_SCAN_RADIUS = 100_000;
/** A line longer than this before the cursor cannot be a snippet trigger. */
const MAX_TRIGGER_LENGTH = 64;
/** How far below the top of the bracket stack a stray closer may match. */
const MAX_RECOVERY_DEPTH = 16;
/** More closers than this on one line means generated text, not typing: offer none. */
const MAX_CLOSERS = 8;
/** How much of the line the HTML rules look back over. */
const MAX_TAG_LOOKBACK = 512;

/** The scanner's view of the cursor. */
interface Scan {
  readonly mode: "code" | "string" | "comment";
  readonly quote: QuoteRule | null;
  readonly stringStart: number;
  /** The string around the cursor is terminated somewhere after it. */
  readonly stringClosedLater: boolean;
  /** Positions of the brackets open at the cursor, outermost first. */
  readonly openers: readonly number[];
  /** Openers before the cursor that a bracket after it closes. */
  readonly closedLater: ReadonlySet<number>;
}

/** One request, with the lines around the cursor and a lazily computed scan. */
interface Context {
  readonly code: string;
  readonly cursor: number;
  readonly lineStart: number;
  /** The current line up to the cursor. */
  readonly before: string;
  readonly profile: Profile;
  scan: Scan | null;
  scanIsComplete: boolean;
}

const NEWLINE = 10;
const BACKSLASH = 92;
const CLOSER_OF: Readonly<Record<string, string>> = {
  "(": ")",
  "[": "]",
  "{": "}",
};
/** A line ending in one of these expects more code, so closing it would be noise. */
const DANGLING = new Set([..."+-*/%=<>&|^!~?:.,;\\{@#"]);

const LEADING_DIGIT = /^\p{N}/u;
/**
 * Short operator words (`for x in`, `WHERE a OR`) are always finished words
 * followed by more code; completing them (`in` → `input`) is noise.
 */
const CONNECTIVES = new Set(words("and as at by in is of on or to not"));
const WHITESPACE_RUN = /\s+/g;
const FENCE_TRIGGER = /^(`{3,}|~{3,})[\w+#.-]*$/;
const FENCE_LINE = /^[ \t]{0,3}(`{3,}|~{3,})/gm;
const TAG_START = /^<\/?[A-Za-z]/;
const OPEN_TAG_AT_END = /<([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>$/;
const TAG_TOKEN = /<(\/?)([A-Za-z][A-Za-z0-9-]*)/g;
const VOID_ELEMENTS = new Set(
  words(
    "area base br col embed hr img input link meta param source track wbr",
  ),
);

/**
 * Returns the text to insert at the cursor, or "" when nothing fits.
 *
 * @example
 * ```ts
 * suggestCompletion({ code: "foo(bar[1", cursorPosition: 9, language: "javascript" }); // "])"
 * ```
 */
export function suggestCompletion(request: AutocompleteRequest): string {
  const { code } = request;
  if (code.length === 0) return "";
  const profile = Object.hasOwn(PROFILES, request.language)
    ? PROFILES[request.language]
    : PLAINTEXT;
  const position = Number.isFinite(request.cursorPosition)
    ? Math.trunc(request.cursorPosition)
    : code.length;
  const cursor = Math.min(Math.max(position, 0), code.length);
  if (cursor < code.length && isWordCharAt(code, cursor, profile.wordChar)) {
    return "";
  }
  const lineStart = cursor === 0 ? 0 : code.lastIndexOf("\n", cursor - 1) + 1;
  const newline = code.indexOf("\n", cursor);
  const lineEnd = newline === -1 ? code.length : newline;
  const context: Context = {
    code,
    cursor,
    lineStart,
    before: code.slice(lineStart, cursor),
    profile,
    scan: null,
    scanIsComplete: false,
  };
  const atLineEnd = isBlank(code, cursor, lineEnd);

  if (atLineEnd) {
    const snippet = suggestSnippet(context);
    if (snippet !== null) return snippet;
  }
  const { before } = context;
  if (
    before.length === 0 || isSpaceCode(before.charCodeAt(before.length - 1))
  ) {
    return "";
  }
  const completion = completeWord(context);
  if (completion !== "" || !atLineEnd) return completion;
  switch (profile.closing) {
    case "brackets":
      return closeBrackets(context);
    case "tags":
      return closeMarkup(context);
    default:
      return "";
  }
}

// Rule 1: snippets.

function suggestSnippet(context: Context): string | null {
  const { before, profile } = context;
  if (before.length > MAX_TRIGGER_LENGTH) return null;
  const trimmed = before.trimStart();
  if (trimmed === "") return null;
  const indent = before.slice(0, before.length - trimmed.length);
  if (profile.fences) return suggestFence(context, trimmed, indent);

  const spaced = trimmed.endsWith(" ");
  const typed = spaced ? trimmed.slice(0, -1) : trimmed;
  if (typed === "" || isSpaceCode(typed.charCodeAt(typed.length - 1))) {
    return null;
  }
  let key = typed.replace(WHITESPACE_RUN, " ");
  if (profile.ignoreCase) key = key.toUpperCase();
  let template = profile.snippets.get(key);
  if (template === undefined && profile.modifiers !== null) {
    const modifiers = profile.modifiers.exec(key);
    const rest = modifiers === null ? "" : key.slice(modifiers[0].length);
    if (profile.modifiable.has(rest)) template = profile.snippets.get(rest);
  }
  if (template === undefined) return null;
  if (spaced) {
    // The typed space stands in for the template's own; templates that go
    // on without a space (`else:`, `<ul>`) would read wrong after one.
    if (!template.startsWith(" ")) return null;
    template = template.slice(1);
  }
  if (profile.syntax !== null && scanAt(context, false).mode !== "code") {
    return null;
  }
  if (profile.ignoreCase && typed !== typed.toUpperCase()) {
    template = template.toLowerCase();
  }
  const unit = indent.includes("\t")
    ? "\t"
    : indent.length > 0 && profile.indentUnit === "\t"
    ? "    "
    : profile.indentUnit;
  return template.replaceAll("\t", unit).replaceAll("\n", `\n${indent}`);
}

function suggestFence(
  context: Context,
  trimmed: string,
  indent: string,
): string | null {
  const match = FENCE_TRIGGER.exec(trimmed);
  if (match === null || insideFence(context.code, context.lineStart)) {
    return null;
  }
  return `\n${indent}\n${indent}${match[1]}`;
}

/** Whether a fenced code block is open at `lineStart`, so a fence there closes it. */
function insideFence(code: string, lineStart: number): boolean {
  let open = "";
  FENCE_LINE.lastIndex = 0;
  for (let match = FENCE_LINE.exec(code); match !== null;) {
    if (match.index >= lineStart) break;
    const fence = match[1];
    if (open === "") open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = "";
    match = FENCE_LINE.exec(code);
  }
  return open !== "";
}

// Rule 2: the rest of the word at the cursor.

function completeWord(context: Context): string {
  const { code, cursor, profile } = context;
  const start = wordStart(code, cursor, context.lineStart, profile.wordChar);
  const prefix = code.slice(start, cursor);
  if (
    prefix.length < MIN_PREFIX_LENGTH || prefix.length > MAX_PREFIX_LENGTH ||
    LEADING_DIGIT.test(prefix) || CONNECTIVES.has(prefix.toLowerCase())
  ) {
    return "";
  }
  const fromDocument = bestDocumentWord(code, cursor, start, prefix, profile);
  if (fromDocument !== null) return fromDocument.slice(prefix.length);

  // SQL keywords are stored in upper case and completed in the case typed.
  const typed = profile.ignoreCase ? prefix.toUpperCase() : prefix;
  // Case mapping can change the length (ß → SS); keywords are ASCII.
  if (typed.length !== prefix.length) return "";
  const vocabulary = vocabularyAt(context, start);
  // A finished keyword (`int`, `li`) is what was meant, not the start of a longer one.
  if (vocabulary.includes(typed)) return "";
  const keyword = vocabulary.find((candidate) =>
    candidate.length > typed.length && candidate.startsWith(typed)
  );
  if (keyword === undefined) return "";
  const rest = keyword.slice(prefix.length);
  return profile.ignoreCase && prefix !== typed ? rest.toLowerCase() : rest;
}

/**
 * The most frequent word in the document that extends `prefix`, then the
 * nearest to the cursor, then the shortest. The word being typed is skipped.
 */
function bestDocumentWord(
  code: string,
  cursor: number,
  start: number,
  prefix: string,
  profile: Profile,
): string | null {
  const from = Math.max(0, cursor - IDENTIFIER_SCAN_RADIUS);
  const to = Math.min(code.length, cursor + IDENTIFIER_SCAN_RADIUS);
  const seen = new Map<string, { count: number; distance: number }>();
  let index = code.indexOf(prefix, from);
  while (index !== -1 && index < to) {
    // A hit inside a longer word cannot recur before that word ends.
    profile.wordAt.lastIndex = index;
    const word = profile.wordAt.exec(code)?.[0] ?? prefix;
    if (index !== start && !isWordCharBefore(code, index, profile.wordChar)) {
      if (word.length > prefix.length) {
        const distance = Math.abs(index - cursor);
        const stats = seen.get(word);
        if (stats === undefined) seen.set(word, { count: 1, distance });
        else {
          stats.count++;
          stats.distance = Math.min(stats.distance, distance);
        }
      }
    }
    index = code.indexOf(prefix, index + word.length);
  }
  let best: string | null = null;
  let bestCount = 0;
  let bestDistance = 0;
  for (const [word, { count, distance }] of seen) {
    const better = best === null || count > bestCount ||
      (count === bestCount && (distance < bestDistance ||
        (distance === bestDistance && (word.length < best.length ||
          (word.length === best.length && word < best)))));
    if (better) {
      best = word;
      bestCount = count;
      bestDistance = distance;
    }
  }
  return best;
}

/** Keywords fit only in code: not in strings or comments, nor in HTML text. */
function vocabularyAt(context: Context, start: number): readonly string[] {
  const { code, profile } = context;
  switch (profile.vocabulary) {
    case "keywords": {
      const list = code[start - 1] === "." ? profile.members : profile.keywords;
      if (list.length === 0) return list;
      if (profile.syntax !== null && scanAt(context, false).mode !== "code") {
        return [];
      }
      return list;
    }
    case "markup": {
      const tag = openTagText(context.before);
      if (tag === null) return [];
      const tagName = code[start - 1] === "<" ||
        (code[start - 1] === "/" && code[start - 2] === "<");
      return tagName ? profile.keywords : profile.members;
    }
    default:
      return [];
  }
}

// Rule 3: closers.

function closeBrackets(context: Context): string {
  const { code, cursor, lineStart, before } = context;
  const scan = scanAt(context, true);
  let closers = "";
  if (scan.mode === "comment") return "";
  if (scan.mode === "string") {
    const quote = scan.quote;
    if (
      quote === null || scan.stringStart < lineStart || scan.stringClosedLater
    ) {
      return "";
    }
    const contentStart = scan.stringStart + quote.open.length;
    // An empty docstring or template is about to get a body, not a closer.
    if (quote.multiline && cursor <= contentStart) return "";
    if (quote.escapes && endsWithEscape(before)) return "";
    if (quote.open === "`") {
      const content = code.slice(contentStart, cursor);
      if (content.lastIndexOf("${") > content.lastIndexOf("}")) return "";
    }
    closers = quote.open;
  } else {
    const last = before[before.length - 1];
    const countStar = last === "*" && before[before.length - 2] === "(";
    if (DANGLING.has(last) && !countStar) return "";
  }
  // Only brackets opened on this line: a block opened above closes on a line
  // of its own. Stop at the first one already closed further down.
  for (let k = scan.openers.length - 1; k >= 0; k--) {
    const position = scan.openers[k];
    if (position < lineStart || scan.closedLater.has(position)) break;
    if (scan.openers.length - k > MAX_CLOSERS) return "";
    const open = code[position];
    closers += open === "{" && code[position + 1] === " " ? " }" : CLOSER_OF[open];
  }
  return closers;
}

function closeMarkup(context: Context): string {
  const { before } = context;
  const tag = openTagText(before);
  if (tag !== null) return openAttributeQuote(tag);
  const tail = before.length > MAX_TAG_LOOKBACK ? before.slice(-MAX_TAG_LOOKBACK) : before;
  const match = OPEN_TAG_AT_END.exec(tail);
  if (match === null || match[0].endsWith("/>")) return "";
  const name = match[1];
  const lowerName = name.toLowerCase();
  if (VOID_ELEMENTS.has(lowerName)) return "";
  return unclosedTags(context.code, lowerName) > 0 ? `</${name}>` : "";
}

/** The tag the line ends inside (`<a href="x`), or null when it ends in text. */
function openTagText(before: string): string | null {
  const tail = before.length > MAX_TAG_LOOKBACK ? before.slice(-MAX_TAG_LOOKBACK) : before;
  const lt = tail.lastIndexOf("<");
  if (lt === -1 || lt < tail.lastIndexOf(">")) return null;
  const tag = tail.slice(lt);
  return TAG_START.test(tag) ? tag : null;
}

function openAttributeQuote(tag: string): string {
  let open = "";
  for (const char of tag) {
    if (open === "") {
      if (char === '"' || char === "'") open = char;
    } else if (char === open) open = "";
  }
  return open;
}

/** Openings minus closings of the element `lowerName` across the document. */
function unclosedTags(code: string, lowerName: string): number {
  let balance = 0;
  TAG_TOKEN.lastIndex = 0;
  for (let match = TAG_TOKEN.exec(code); match !== null;) {
    const name = match[2];
    if (
      name.length === lowerName.length && name.toLowerCase() === lowerName
    ) {
      balance += match[1] === "" ? 1 : -1;
    }
    match = TAG_TOKEN.exec(code);
  }
  return balance;
}

// The scanner: one pass over the document, skipping strings and comments.

function scanAt(context: Context, complete: boolean): Scan {
  const syntax = context.profile.syntax;
  if (syntax === null) {
    return { ...cursorState("code", []), closedLater: new Set() };
  }
  if (context.scan === null || (complete && !context.scanIsComplete)) {
    context.scan = scanDocument(context.code, context.cursor, syntax, complete);
    context.scanIsComplete = complete;
  }
  return context.scan;
}

/**
 * Finds the state at `cursor` and the brackets open there. With `complete`
 * it goes on to the end to learn which of them a later bracket closes.
 */
function scanDocument(
  code: string,
  cursor: number,
  syntax: Syntax,
  complete: boolean,
): Scan {
  const length = code.length;
  const { lineComment, blockComment, quotes, special } = syntax;
  const [blockOpen, blockClose] = blockComment ?? ["", ""];
  const stack: number[] = [];
  const closedLater = new Set<number>();
  let found: CursorState | null = null;

  let i = 0;
  while (i < length) {
    // Skip plain text to the next character that may start a token.
    let next = i;
    while (next < length) {
      const c = code.charCodeAt(next);
      if (c < 128 && special[c] === 1) break;
      next++;
    }
    if (found === null && next >= cursor) {
      found = cursorState("code", stack);
      if (!complete) break;
    }
    if (next === length) break;
    i = next;
    const c = code.charCodeAt(i);
    if (lineComment !== "" && code.startsWith(lineComment, i)) {
      const newline = code.indexOf("\n", i);
      const end = newline === -1 ? length : newline;
      if (found === null && cursor > i && cursor <= end) {
        found = cursorState("comment", stack);
        if (!complete) break;
      }
      i = end;
    } else if (blockOpen !== "" && code.startsWith(blockOpen, i)) {
      const close = code.indexOf(blockClose, i + blockOpen.length);
      const end = close === -1 ? length : close + blockClose.length;
      if (found === null && cursor > i && (cursor < end || close === -1)) {
        found = cursorState("comment", stack);
        if (!complete) break;
      }
      i = end;
    } else if (c === 40 || c === 91 || c === 123) {
      stack.push(i++);
    } else if (c === 41 || c === 93 || c === 125) {
      // ")" follows "(" in ASCII; "]" and "}" are two after their openers.
      const open = c === 41 ? 40 : c - 2;
      const floor = Math.max(0, stack.length - MAX_RECOVERY_DEPTH);
      for (let k = stack.length - 1; k >= floor; k--) {
        if (code.charCodeAt(stack[k]) === open) {
          if (found !== null && stack[k] < cursor) closedLater.add(stack[k]);
          // Openers above the match were never closed: drop them.
          stack.length = k;
          break;
        }
      }
      i++;
    } else {
      const rule = quoteAt(code, i, quotes);
      if (rule === null) {
        i++;
        continue;
      }
      const end = stringEnd(code, i, rule);
      const closed = end >= 0;
      const stop = closed ? end : ~end;
      if (found === null && cursor > i && (cursor < stop || !closed)) {
        found = cursorState("string", stack, rule, i, closed);
        if (!complete) break;
      }
      i = stop;
    }
  }
  return { ...(found ?? cursorState("code", stack)), closedLater };
}

/** A scan without the part only the rest of the document can tell. */
type CursorState = Omit<Scan, "closedLater">;

function cursorState(
  mode: Scan["mode"],
  stack: readonly number[],
  quote: QuoteRule | null = null,
  stringStart = -1,
  stringClosedLater = false,
): CursorState {
  return { mode, quote, stringStart, stringClosedLater, openers: [...stack] };
}

function quoteAt(
  code: string,
  index: number,
  quotes: readonly QuoteRule[],
): QuoteRule | null {
  const c = code.charCodeAt(index);
  for (const rule of quotes) {
    if (rule.open.charCodeAt(0) !== c) continue;
    if (rule.open.length > 1 && !code.startsWith(rule.open, index)) continue;
    if (rule.charLiteral && !looksLikeCharLiteral(code, index)) return null;
    return rule;
  }
  return null;
}

function looksLikeCharLiteral(code: string, index: number): boolean {
  const next = code.charCodeAt(index + 1);
  if (next === BACKSLASH) return true;
  if (next === 39 || next === NEWLINE || Number.isNaN(next)) return false;
  const width = next >= 0xd800 && next <= 0xdbff ? 2 : 1;
  return code.charCodeAt(index + 1 + width) === 39;
}

/**
 * Where the literal opened at `start` ends: the index after its closing
 * delimiter, or `~index` of the line break or document end that cut it off.
 */
function stringEnd(code: string, start: number, rule: QuoteRule): number {
  const length = code.length;
  const first = rule.open.charCodeAt(0);
  let j = start + rule.open.length;
  while (j < length) {
    const c = code.charCodeAt(j);
    if (c === BACKSLASH && rule.escapes) {
      j += 2;
    } else if (c === NEWLINE && !rule.multiline) {
      return ~j;
    } else if (
      c === first && (rule.open.length === 1 || code.startsWith(rule.open, j))
    ) {
      return j + rule.open.length;
    } else {
      j++;
    }
  }
  return ~length;
}

// Small helpers.

function isSpaceCode(unit: number): boolean {
  return unit === 32 || (unit >= 9 && unit <= 13) || unit === 0xa0;
}

function isBlank(code: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (!isSpaceCode(code.charCodeAt(i))) return false;
  }
  return true;
}

function endsWithEscape(text: string): boolean {
  let count = 0;
  for (
    let i = text.length - 1;
    i >= 0 && text.charCodeAt(i) === BACKSLASH;
    i--
  ) {
    count++;
  }
  return count % 2 === 1;
}

function isWordCharAt(code: string, index: number, wordChar: RegExp): boolean {
  const point = code.codePointAt(index);
  return point !== undefined && wordChar.test(String.fromCodePoint(point));
}

function isWordCharBefore(
  code: string,
  index: number,
  wordChar: RegExp,
): boolean {
  return index > 0 && wordChar.test(codePointBefore(code, index));
}

function codePointBefore(code: string, index: number): string {
  const low = code.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = code.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return code.slice(index - 2, index);
  }
  return code[index - 1];
}

/** Start of the word that ends at `cursor`, stopping a little past the longest prefix completed. */
function wordStart(
  code: string,
  cursor: number,
  lineStart: number,
  wordChar: RegExp,
): number {
  let i = cursor;
  while (i > lineStart && cursor - i <= MAX_PREFIX_LENGTH) {
    const char = codePointBefore(code, i);
    if (!wordChar.test(char)) break;
    i -= char.length;
  }
  return i;
}
