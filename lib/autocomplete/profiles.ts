/**
 * What the completion rules know about each language: word characters,
 * keywords and members, snippets, comment and string syntax, how to close.
 * Tables only; the rules and the scanner are in `autocomplete.ts`.
 *
 * @module
 */
import type { LanguageId } from "../shared/languages.ts";

/** A kind of string literal. */
export interface QuoteRule {
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
export interface Syntax {
  readonly lineComment: string;
  readonly blockComment: readonly [string, string] | null;
  /** Longest delimiter first, so `"""` wins over `"`. */
  readonly quotes: readonly QuoteRule[];
  /** Flags the ASCII codes that may start a token: a bracket, quote or comment. */
  readonly special: Uint8Array;
}

/** Vocabulary offered once the document has no candidate. */
export type Vocabulary = "keywords" | "markup" | "none";

/** Everything the rules know about one language. */
export interface Profile {
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

/** A language's word patterns from the character class of one word character. */
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

/** A space-separated list as an array. */
export function words(list: string): string[] {
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

/** No vocabulary, snippets or syntax: the words of the document only. */
export const PLAINTEXT: Profile = {
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

/** Each language's profile. */
export const PROFILES: Readonly<Record<LanguageId, Profile>> = {
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
