/**
 * Rule-based completion for the editor hint. Three rules, in priority order:
 * a snippet for the construct the line starts, the rest of the word at the
 * cursor, and closers for brackets and quotes left open on the line.
 *
 * Pure: no IO, no `Deno.*`, and linear in the size of the document.
 *
 * @module
 */
import type { LanguageId } from "../shared/languages.ts";
import type { AutocompleteRequest } from "../shared/wire.ts";

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

/** A kind of string literal. */
interface QuoteRule {
  /** The delimiter; the same text closes it. */
  readonly open: string;
  /** Whether the literal may run over a line break. */
  readonly multiline: boolean;
  /** Whether a backslash escapes the next character. */
  readonly escapes: boolean;
  /** Only `'x'` and `'\…` open a literal: keeps Rust lifetimes and C++ digit separators out of strings. */
  readonly charLiteral: boolean;
}

/** What the bracket scanner must skip. */
interface Syntax {
  readonly lineComment: string;
  readonly blockComment: readonly [string, string] | null;
  /** Longest delimiter first, so `"""` wins over `"`. */
  readonly quotes: readonly QuoteRule[];
  /** Flags the ASCII codes that may start a token: a bracket, quote or comment. */
  readonly special: Uint8Array;
}

/** Vocabulary offered once the document has no candidate. */
type Vocabulary = "keywords" | "markup" | "none";

/** Everything the rules know about one language. */
interface Profile {
  /** Tests one code point. */
  readonly wordChar: RegExp;
  /** Sticky: matches the word starting at `lastIndex`. */
  readonly wordAt: RegExp;
  readonly vocabulary: Vocabulary;
  /** Keywords and builtins, most useful first: the first match wins. */
  readonly keywords: readonly string[];
  /** Offered after a `.` instead of the keywords. */
  readonly members: readonly string[];
  /** SQL: keywords match in any case and complete in the case typed. */
  readonly ignoreCase: boolean;
  /** Trigger → template. In a template "\n" starts a line at the current indentation and "\t" is one indent unit. */
  readonly snippets: ReadonlyMap<string, string>;
  /** Declaration modifiers (`export`, `pub`, …) allowed before the triggers in `modifiable`. */
  readonly modifiers: RegExp | null;
  readonly modifiable: ReadonlySet<string>;
  readonly indentUnit: string;
  /** Null: no bracket or quote scanning. */
  readonly syntax: Syntax | null;
  readonly closing: "brackets" | "tags" | "none";
  /** Markdown: complete an opening code fence. */
  readonly fences: boolean;
}

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

function wordPatterns(
  charClass: string,
): Pick<Profile, "wordChar" | "wordAt"> {
  return {
    wordChar: new RegExp(`^${charClass}$`, "u"),
    wordAt: new RegExp(`${charClass}+`, "uy"),
  };
}

const SCRIPT_WORD = wordPatterns("[\\p{L}\\p{N}\\p{M}_$]");
const HYPHEN_WORD = wordPatterns("[\\p{L}\\p{N}\\p{M}_-]");
const PLAIN_WORD = wordPatterns("[\\p{L}\\p{N}\\p{M}_]");

function words(list: string): string[] {
  return list.split(" ");
}

function quote(
  open: string,
  options: Partial<Omit<QuoteRule, "open">> = {},
): QuoteRule {
  return {
    open,
    multiline: options.multiline ?? false,
    escapes: options.escapes ?? true,
    charLiteral: options.charLiteral ?? false,
  };
}

function syntax(
  lineComment: string,
  blockComment: readonly [string, string] | null,
  quotes: readonly QuoteRule[],
): Syntax {
  const special = new Uint8Array(128);
  const starts = ["(", ")", "[", "]", "{", "}", lineComment, blockComment?.[0]];
  for (const start of [...starts, ...quotes.map((rule) => rule.open)]) {
    if (start) special[start.charCodeAt(0)] = 1;
  }
  return { lineComment, blockComment, quotes, special };
}

const C_BLOCK_COMMENT = ["/*", "*/"] as const;

const JS_KEYWORDS = words(
  "const console function return import export default async await class extends constructor let var if else for while do switch case break continue try catch finally throw new this typeof instanceof undefined null true false document window Promise Array Object String Number Boolean Math JSON Map Set Error Symbol Date RegExp setTimeout setInterval clearTimeout clearInterval parseInt parseFloat fetch require module globalThis yield delete void static super",
);
const TS_KEYWORDS = [
  ...JS_KEYWORDS,
  ...words(
    "interface type enum implements private public protected readonly namespace declare abstract keyof satisfies string number boolean unknown never any Record Partial Required Readonly Pick Omit",
  ),
];
const JS_MEMBERS = words(
  "log error warn info length push pop shift unshift map filter reduce forEach find findIndex some every includes indexOf slice splice join split trim concat sort reverse keys values entries then catch finally toString replace replaceAll startsWith endsWith toLowerCase toUpperCase getElementById querySelector querySelectorAll addEventListener removeEventListener appendChild textContent classList preventDefault stringify parse",
);
const PYTHON_KEYWORDS = words(
  "print return def class import from lambda self None True False elif else while for break continue pass with try except finally raise yield global nonlocal assert async await len range enumerate isinstance list dict set tuple str int float bool open input super sorted reversed zip map filter sum min max abs any all __init__ __name__ __main__ Exception ValueError TypeError KeyError IndexError",
);
const PYTHON_MEMBERS = words(
  "append extend insert remove pop items keys values get update join split strip lstrip rstrip format replace startswith endswith lower upper find count sort copy",
);
const JAVA_KEYWORDS = words(
  "public private protected static final class interface extends implements return void int String System boolean double float long char byte short new this super null true false if else for while do switch case default break continue try catch finally throw throws import package abstract synchronized instanceof enum Override ArrayList List HashMap Map Integer Exception var record",
);
const JAVA_MEMBERS = words(
  "out println print printf length size add get put set remove contains equals hashCode toString isEmpty stream forEach substring charAt indexOf",
);
const GO_KEYWORDS = words(
  "func package import return var const type struct interface map chan go defer select range for if else switch case default break continue fallthrough goto nil true false string int int64 float64 bool byte rune error make append len cap new panic recover delete copy",
);
const GO_MEMBERS = words(
  "Println Printf Sprintf Errorf Print Fprintf Error String Lock Unlock Close",
);
const CPP_KEYWORDS = words(
  "include int void return const auto class struct public private protected virtual override static template typename namespace using std nullptr true false if else for while do switch case default break continue try catch throw new delete char bool double float long unsigned string vector map cout cin endl size_t sizeof unique_ptr shared_ptr make_unique make_shared constexpr inline enum typedef this operator friend explicit define ifndef endif pragma",
);
const CPP_MEMBERS = words(
  "push_back emplace_back size begin end empty clear insert erase find at front back c_str substr length",
);
const RUST_KEYWORDS = words(
  "fn let mut pub struct enum impl trait match return use mod crate self Self super where for while loop if else break continue const static unsafe async await move ref dyn type true false Some None Ok Err Option Result Vec String Box HashMap println format vec panic assert assert_eq i32 i64 u8 u32 u64 usize f64 bool str",
);
const RUST_MEMBERS = words(
  "unwrap expect clone iter into_iter map collect len push pop is_empty to_string as_str contains insert get unwrap_or unwrap_or_else ok_or filter",
);
const SQL_KEYWORDS = words(
  "SELECT FROM WHERE INSERT INTO VALUES UPDATE SET DELETE CREATE TABLE DROP ALTER INDEX JOIN INNER LEFT RIGHT OUTER ON GROUP ORDER BY HAVING LIMIT OFFSET DISTINCT AS AND OR NOT NULL IS IN LIKE BETWEEN EXISTS UNION ALL COUNT SUM AVG MIN MAX PRIMARY KEY FOREIGN REFERENCES DEFAULT UNIQUE INTEGER TEXT VARCHAR BOOLEAN TIMESTAMP DESC ASC CASE WHEN THEN ELSE END RETURNING WITH",
);
const HTML_TAGS = words(
  "html head body title meta link script style div span section header footer main nav article aside button input label form select option textarea table thead tbody tfoot caption ul ol li img strong code pre template canvas video audio source iframe",
);
const HTML_ATTRIBUTES = words(
  "class id href src alt type value name placeholder rel charset content width height disabled checked style title lang for action method target required readonly autofocus hidden",
);
const CSS_KEYWORDS = words(
  "display position margin margin-top margin-bottom margin-left margin-right padding padding-top padding-bottom padding-left padding-right border border-radius background background-color color width height max-width min-width max-height min-height font-size font-weight font-family line-height text-align text-decoration flex flex-direction flex-wrap justify-content align-items grid grid-template-columns gap overflow opacity transition transform cursor z-index box-sizing absolute relative fixed sticky none block inline inline-block center space-between solid transparent inherit important auto pointer hidden",
);

/** Shared by the C-family languages: `for` and `catch` heads differ. */
function braceSnippets(
  forHead: string,
  catchHead: string | null,
  hasFinally: boolean,
): Record<string, string> {
  const block = " {\n\t\n}";
  const conditional = " (condition) {\n\t\n}";
  const snippets: Record<string, string> = {
    for: ` ${forHead}${block}`,
    if: conditional,
    "else if": conditional,
    "} else if": conditional,
    else: block,
    "} else": block,
    while: conditional,
    do: `${block} while (condition);`,
    switch: " (value) {\n\tcase value:\n\t\tbreak;\n\tdefault:\n\t\tbreak;\n}",
  };
  if (catchHead !== null) {
    snippets.try = `${block} catch ${catchHead}${block}`;
    snippets.catch = snippets["} catch"] = ` ${catchHead}${block}`;
  }
  if (hasFinally) snippets.finally = snippets["} finally"] = block;
  return snippets;
}

const JS_SNIPPETS = {
  ...braceSnippets("(let i = 0; i < n; i++)", "(error)", true),
  function: " name(params) {\n\t\n}",
  class: " Name {\n\tconstructor() {}\n}",
  import: ' { name } from "module";',
};

const PLAINTEXT: Profile = {
  ...PLAIN_WORD,
  vocabulary: "none",
  keywords: [],
  members: [],
  ignoreCase: false,
  snippets: new Map(),
  modifiers: null,
  modifiable: new Set(),
  indentUnit: "  ",
  syntax: null,
  closing: "none",
  fences: false,
};

const JS_SYNTAX = syntax("//", C_BLOCK_COMMENT, [
  quote('"'),
  quote("'"),
  quote("`", { multiline: true }),
]);

const PROFILES: Readonly<Record<LanguageId, Profile>> = {
  javascript: {
    ...PLAINTEXT,
    ...SCRIPT_WORD,
    vocabulary: "keywords",
    keywords: JS_KEYWORDS,
    members: JS_MEMBERS,
    snippets: new Map(Object.entries(JS_SNIPPETS)),
    modifiers: /^(?:(?:export|default|async)\s+)+/,
    modifiable: new Set(["function", "class"]),
    syntax: JS_SYNTAX,
    closing: "brackets",
  },
  typescript: {
    ...PLAINTEXT,
    ...SCRIPT_WORD,
    vocabulary: "keywords",
    keywords: TS_KEYWORDS,
    members: JS_MEMBERS,
    snippets: new Map(Object.entries({
      ...JS_SNIPPETS,
      interface: " Name {\n\t\n}",
      enum: " Name {\n\t\n}",
    })),
    modifiers: /^(?:(?:export|default|async|declare|abstract)\s+)+/,
    modifiable: new Set(["function", "class", "interface", "enum"]),
    syntax: JS_SYNTAX,
    closing: "brackets",
  },
  python: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: PYTHON_KEYWORDS,
    members: PYTHON_MEMBERS,
    snippets: new Map(Object.entries({
      def: " name(args):\n\tpass",
      class: " Name:\n\tdef __init__(self):\n\t\tpass",
      for: " item in items:\n\tpass",
      if: " condition:\n\tpass",
      elif: " condition:\n\tpass",
      else: ":\n\tpass",
      while: " condition:\n\tpass",
      with: " open(path) as file:\n\tpass",
      try: ":\n\tpass\nexcept Exception as error:\n\tpass",
      except: " Exception as error:\n\tpass",
      finally: ":\n\tpass",
    })),
    modifiers: /^(?:async\s+)+/,
    modifiable: new Set(["def", "for", "with"]),
    indentUnit: "    ",
    syntax: syntax("#", null, [
      quote('"""', { multiline: true }),
      quote("'''", { multiline: true }),
      quote('"'),
      quote("'"),
    ]),
    closing: "brackets",
  },
  java: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: JAVA_KEYWORDS,
    members: JAVA_MEMBERS,
    snippets: new Map(Object.entries({
      ...braceSnippets("(int i = 0; i < n; i++)", "(Exception e)", true),
      class: " Name {\n\t\n}",
      interface: " Name {\n\t\n}",
      enum: " Name {\n\t\n}",
    })),
    modifiers: /^(?:(?:public|private|protected|static|final|abstract|sealed)\s+)+/,
    modifiable: new Set(["class", "interface", "enum"]),
    indentUnit: "    ",
    syntax: syntax("//", C_BLOCK_COMMENT, [
      quote('"""', { multiline: true }),
      quote('"'),
      quote("'", { charLiteral: true }),
    ]),
    closing: "brackets",
  },
  go: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: GO_KEYWORDS,
    members: GO_MEMBERS,
    snippets: new Map(Object.entries({
      func: " name(params) {\n\t\n}",
      for: " i := 0; i < n; i++ {\n\t\n}",
      if: " condition {\n\t\n}",
      "} else if": " condition {\n\t\n}",
      "} else": " {\n\t\n}",
      switch: " value {\ncase value:\n\t\ndefault:\n\t\n}",
      type: " Name struct {\n\t\n}",
      package: " main",
      import: ' (\n\t"fmt"\n)',
    })),
    indentUnit: "\t",
    syntax: syntax("//", C_BLOCK_COMMENT, [
      quote('"'),
      quote("'", { charLiteral: true }),
      quote("`", { multiline: true, escapes: false }),
    ]),
    closing: "brackets",
  },
  cpp: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: CPP_KEYWORDS,
    members: CPP_MEMBERS,
    snippets: new Map(Object.entries({
      ...braceSnippets(
        "(int i = 0; i < n; ++i)",
        "(const std::exception& e)",
        false,
      ),
      class: " Name {\npublic:\n\tName();\n};",
      struct: " Name {\n\t\n};",
      namespace: " name {\n\n}",
      template: " <typename T>",
      "#include": " <iostream>",
    })),
    indentUnit: "    ",
    syntax: syntax("//", C_BLOCK_COMMENT, [
      quote('"'),
      quote("'", { charLiteral: true }),
    ]),
    closing: "brackets",
  },
  rust: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: RUST_KEYWORDS,
    members: RUST_MEMBERS,
    snippets: new Map(Object.entries({
      fn: " name(params) {\n\t\n}",
      for: " item in items {\n\t\n}",
      if: " condition {\n\t\n}",
      "else if": " condition {\n\t\n}",
      "} else if": " condition {\n\t\n}",
      else: " {\n\t\n}",
      "} else": " {\n\t\n}",
      while: " condition {\n\t\n}",
      loop: " {\n\t\n}",
      match: " value {\n\tpattern => {}\n\t_ => {}\n}",
      impl: " Name {\n\t\n}",
      struct: " Name {\n\t\n}",
      enum: " Name {\n\t\n}",
      trait: " Name {\n\t\n}",
      mod: " name {\n\t\n}",
    })),
    modifiers: /^(?:(?:pub(?:\([\w:]+\))?|async|unsafe|const|extern)\s+)+/,
    modifiable: new Set(["fn", "struct", "enum", "trait", "impl", "mod"]),
    indentUnit: "    ",
    syntax: syntax("//", C_BLOCK_COMMENT, [
      quote('"', { multiline: true }),
      quote("'", { charLiteral: true }),
    ]),
    closing: "brackets",
  },
  sql: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: SQL_KEYWORDS,
    ignoreCase: true,
    snippets: new Map(Object.entries({
      SELECT: " * FROM table WHERE condition;",
      INSERT: " INTO table (columns) VALUES (values);",
      UPDATE: " table SET column = value WHERE condition;",
      DELETE: " FROM table WHERE condition;",
      CREATE: " TABLE name (\n\tid INTEGER PRIMARY KEY\n);",
    })),
    syntax: syntax("--", C_BLOCK_COMMENT, [
      quote("'", { escapes: false }),
      quote('"', { escapes: false }),
    ]),
    closing: "brackets",
  },
  html: {
    ...PLAINTEXT,
    ...HYPHEN_WORD,
    vocabulary: "markup",
    keywords: HTML_TAGS,
    members: HTML_ATTRIBUTES,
    snippets: new Map(Object.entries({
      "<!--": " -->",
      "<ul": ">\n\t<li></li>\n</ul>",
      "<ol": ">\n\t<li></li>\n</ol>",
      "<table": ">\n\t<tr>\n\t\t<td></td>\n\t</tr>\n</table>",
      "<select": '>\n\t<option value=""></option>\n</select>',
      "<html":
        ' lang="en">\n<head>\n\t<meta charset="utf-8">\n\t<title>Title</title>\n</head>\n<body>\n\t\n</body>\n</html>',
    })),
    closing: "tags",
  },
  css: {
    ...PLAINTEXT,
    ...HYPHEN_WORD,
    vocabulary: "keywords",
    keywords: CSS_KEYWORDS,
    snippets: new Map(Object.entries({
      "@media": " (max-width: 600px) {\n\t\n}",
      "@supports": " (display: grid) {\n\t\n}",
      "@keyframes": " name {\n\tfrom {}\n\tto {}\n}",
      "@font-face": " {\n\tfont-family: name;\n\tsrc: url();\n}",
      "@import": ' url("style.css");',
    })),
    syntax: syntax("", C_BLOCK_COMMENT, [quote('"'), quote("'")]),
    closing: "brackets",
  },
  json: {
    ...PLAINTEXT,
    vocabulary: "keywords",
    keywords: words("true false null"),
    syntax: syntax("", null, [quote('"')]),
    closing: "brackets",
  },
  markdown: { ...PLAINTEXT, fences: true },
  plaintext: PLAINTEXT,
};

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
