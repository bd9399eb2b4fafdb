import assert from "node:assert/strict";
import { suggestCompletion } from "./autocomplete.ts";
import type { LanguageId } from "../shared/languages.ts";

/** Marks the cursor in test documents; "|" is too common in code. */
const CURSOR = "‸";

/** The suggestion for `text`, whose cursor is at {@linkcode CURSOR} (or the end). */
function complete(language: LanguageId, text: string): string {
  const at = text.indexOf(CURSOR);
  const code = at === -1 ? text : text.slice(0, at) + text.slice(at + 1);
  const cursorPosition = at === -1 ? code.length : at;
  return suggestCompletion({ code, cursorPosition, language });
}

// Rule 1: snippets.

Deno.test("suggestCompletion – starts a for loop indented like its line", () => {
  assert.equal(
    complete("javascript", "function f() {\n  for‸"),
    " (let i = 0; i < n; i++) {\n    \n  }",
  );
});

Deno.test("suggestCompletion – does not repeat a space typed after the trigger", () => {
  assert.equal(complete("javascript", "if ‸"), "(condition) {\n  \n}");
  assert.equal(complete("javascript", "if‸"), " (condition) {\n  \n}");
});

Deno.test("suggestCompletion – opens a class after declaration modifiers", () => {
  assert.equal(
    complete("typescript", "export class‸"),
    " Name {\n  constructor() {}\n}",
  );
  assert.equal(
    complete("typescript", "export default async function ‸"),
    "name(params) {\n  \n}",
  );
});

Deno.test("suggestCompletion – continues an else after a closing brace", () => {
  assert.equal(
    complete("javascript", "if (a) {\n  go();\n} else‸"),
    " {\n  \n}",
  );
});

Deno.test("suggestCompletion – indents a Python def body past the method line", () => {
  assert.equal(
    complete("python", "class Shape:\n    def‸"),
    " name(args):\n        pass",
  );
});

Deno.test("suggestCompletion – offers Python for and try blocks", () => {
  assert.equal(complete("python", "for‸"), " item in items:\n    pass");
  assert.equal(
    complete("python", "try‸"),
    ":\n    pass\nexcept Exception as error:\n    pass",
  );
});

Deno.test("suggestCompletion – skips a snippet that cannot follow the typed space", () => {
  assert.equal(complete("python", "if x:\n    pass\nelse ‸"), "");
});

Deno.test("suggestCompletion – indents Go with tabs", () => {
  assert.equal(complete("go", "func‸"), " name(params) {\n\t\n}");
  assert.equal(
    complete("go", "func main() {\n\tif‸"),
    " condition {\n\t\t\n\t}",
  );
});

Deno.test("suggestCompletion – opens a Rust match and a pub fn", () => {
  assert.equal(
    complete("rust", "    match‸"),
    " value {\n        pattern => {}\n        _ => {}\n    }",
  );
  assert.equal(complete("rust", "pub fn‸"), " name(params) {\n    \n}");
});

Deno.test("suggestCompletion – writes SQL snippets in the case of the keyword", () => {
  assert.equal(complete("sql", "select‸"), " * from table where condition;");
  assert.equal(complete("sql", "SELECT ‸"), "* FROM table WHERE condition;");
});

Deno.test("suggestCompletion – offers CSS and HTML snippets", () => {
  assert.equal(complete("css", "@media‸"), " (max-width: 600px) {\n  \n}");
  assert.equal(complete("html", "  <ul‸"), ">\n    <li></li>\n  </ul>");
});

Deno.test("suggestCompletion – closes an opening markdown code fence only", () => {
  assert.equal(complete("markdown", "# Notes\n\n```‸"), "\n\n```");
  assert.equal(complete("markdown", "```ts‸"), "\n\n```");
  assert.equal(complete("markdown", "```ts\nlet a = 1;\n```‸"), "");
});

Deno.test("suggestCompletion – prefers a snippet to a word from the document", () => {
  assert.equal(
    complete("javascript", "format(x);\nfor‸"),
    " (let i = 0; i < n; i++) {\n  \n}",
  );
});

Deno.test("suggestCompletion – offers no snippet inside a comment", () => {
  assert.equal(complete("javascript", "/*\n  while‸"), "");
});

// Rule 2: words.

Deno.test("suggestCompletion – completes an identifier from the document", () => {
  assert.equal(complete("javascript", 'document.title = "x";\ndocu‸'), "ment");
});

Deno.test("suggestCompletion – ranks document words by frequency", () => {
  assert.equal(
    complete("javascript", "counter++;\ncounter--;\ncountdown();\ncou‸"),
    "nter",
  );
});

Deno.test("suggestCompletion – breaks frequency ties by distance to the cursor", () => {
  assert.equal(complete("python", "alpha_one()\nalpha_two()\nalp‸"), "ha_two");
  assert.equal(complete("python", "alp‸\nalpha_one()\nalpha_two()"), "ha_one");
});

Deno.test("suggestCompletion – breaks remaining ties by the shorter word", () => {
  // Each pair of words starts equally far from the cursor.
  const after = `gammaLong ga‸${" ".repeat(12)}gammaX`;
  const before = `gammaX ga‸${" ".repeat(9)}gammaLong`;
  assert.equal(complete("javascript", after), "mmaX");
  assert.equal(complete("javascript", before), "mmaX");
});

Deno.test("suggestCompletion – never offers the word being typed", () => {
  assert.equal(complete("javascript", "item = 1;\nitem‸"), "");
  assert.equal(complete("javascript", "items.push(item);\nitem‸"), "s");
});

Deno.test("suggestCompletion – falls back to the language's keywords", () => {
  assert.equal(complete("javascript", "cons‸"), "t");
  assert.equal(complete("python", "square = lamb‸"), "da");
  assert.equal(complete("go", "pack‸"), "age");
});

Deno.test("suggestCompletion – leaves finished keywords and operator words alone", () => {
  assert.equal(complete("python", "name = input()\nfor x in‸"), "");
  assert.equal(complete("cpp", "int‸"), "");
  assert.equal(complete("html", "<li‸"), "");
});

Deno.test("suggestCompletion – completes SQL keywords in the case typed", () => {
  assert.equal(complete("sql", "sel‸"), "ect");
  assert.equal(complete("sql", "SEL‸"), "ECT");
  assert.equal(complete("sql", "SELECT * FROM users ORD‸"), "ER");
});

Deno.test("suggestCompletion – offers members, not keywords, after a dot", () => {
  assert.equal(complete("javascript", "console.lo‸"), "g");
  assert.equal(complete("javascript", "user.cons‸"), "");
});

Deno.test("suggestCompletion – keeps keywords out of comments and strings", () => {
  assert.equal(complete("javascript", "// retu‸"), "");
  assert.equal(complete("javascript", 'const s = "retu‸'), '"');
});

Deno.test("suggestCompletion – suggests tag names and attributes inside HTML tags only", () => {
  assert.equal(complete("html", "<ta‸"), "ble");
  assert.equal(complete("html", '<img src="a.png" al‸'), "t");
  assert.equal(complete("html", "<p>Some ta‸"), "");
});

Deno.test("suggestCompletion – completes hyphenated CSS properties", () => {
  assert.equal(complete("css", "a {\n  disp‸"), "lay");
  assert.equal(complete("css", "a {\n  justify-con‸"), "tent");
});

Deno.test("suggestCompletion – returns nothing with the cursor inside a word", () => {
  assert.equal(complete("javascript", "document;\ndocu‸ment"), "");
  assert.equal(complete("javascript", "foo(bar‸baz"), "");
});

Deno.test("suggestCompletion – waits for two characters", () => {
  assert.equal(complete("javascript", "document;\nd‸"), "");
});

Deno.test("suggestCompletion – completes Unicode identifiers", () => {
  assert.equal(complete("javascript", "größe = 1;\ngrö‸"), "ße");
});

Deno.test("suggestCompletion – completes plain text from the document only", () => {
  assert.equal(complete("plaintext", "hello world\nwor‸"), "ld");
  assert.equal(complete("plaintext", "prin‸"), "");
});

// Rule 3: closers.

Deno.test("suggestCompletion – closes brackets in nesting order", () => {
  assert.equal(complete("javascript", "foo(bar[1‸"), "])");
});

Deno.test("suggestCompletion – closes a Python string and call", () => {
  assert.equal(complete("python", 'print("hi‸'), '")');
});

Deno.test("suggestCompletion – leaves brackets the document closes later", () => {
  assert.equal(complete("javascript", "foo(bar‸\n  , baz)"), "");
  assert.equal(complete("javascript", "foo(bar[1‸\n])"), "");
});

Deno.test("suggestCompletion – ignores brackets inside strings and comments", () => {
  assert.equal(complete("javascript", 'call("(", /* [ */ [1, 2‸'), "])");
});

Deno.test("suggestCompletion – closes only brackets opened on the current line", () => {
  assert.equal(
    complete("javascript", "function f() {\n  foo(bar[1‸\n}"),
    "])",
  );
});

Deno.test("suggestCompletion – stays quiet where more code must follow", () => {
  assert.equal(complete("javascript", "foo(a +‸"), "");
  assert.equal(complete("javascript", "foo(a,‸"), "");
  assert.equal(complete("javascript", "if (x) {‸"), "");
});

Deno.test("suggestCompletion – mirrors the space inside an opening brace", () => {
  assert.equal(complete("javascript", "const o = { a: 1‸"), " }");
});

Deno.test("suggestCompletion – prefers a word completion to closing", () => {
  assert.equal(complete("javascript", "document.body;\nfoo(docu‸"), "ment");
});

Deno.test("suggestCompletion – closes SQL calls and strings", () => {
  assert.equal(complete("sql", "SELECT COUNT(*‸"), ")");
  assert.equal(complete("sql", "SELECT * FROM t WHERE name = 'Ann‸"), "'");
});

Deno.test("suggestCompletion – does not take Rust lifetimes for quotes", () => {
  assert.equal(complete("rust", "fn f<'a>(x: &'a T‸"), ")");
});

Deno.test("suggestCompletion – leaves a multi-line template literal open", () => {
  assert.equal(complete("javascript", "const s = `line one\nline two‸"), "");
});

Deno.test("suggestCompletion – closes HTML elements that are still open", () => {
  assert.equal(complete("html", '<div class="box">‸'), "</div>");
  assert.equal(complete("html", "<br>‸"), "");
  assert.equal(complete("html", "<div>‸\n</div>"), "");
});

Deno.test("suggestCompletion – closes an HTML attribute quote", () => {
  assert.equal(complete("html", '<a href="/home‸'), '"');
});

Deno.test("suggestCompletion – closes JSON arrays and objects", () => {
  assert.equal(complete("json", '{"tags": ["a", "b"‸'), "]}");
});

// Rule 4: nothing.

Deno.test("suggestCompletion – returns nothing for an empty document", () => {
  assert.equal(
    suggestCompletion({ code: "", cursorPosition: 0, language: "javascript" }),
    "",
  );
});

Deno.test("suggestCompletion – returns nothing after whitespace", () => {
  assert.equal(complete("javascript", "foo( ‸"), "");
  assert.equal(complete("javascript", "const ‸"), "");
});

Deno.test("suggestCompletion – closes nothing in markdown or plain text", () => {
  assert.equal(complete("markdown", "See (the [guide‸"), "");
  assert.equal(complete("plaintext", 'print("hi‸'), "");
});

Deno.test("suggestCompletion – treats Object property names as plain words", () => {
  assert.equal(complete("python", "constructor‸"), "");
  assert.equal(complete("javascript", "__proto__‸"), "");
});

// Size.

Deno.test("suggestCompletion – completes at the end of a 1 MB document", () => {
  const lines: string[] = [];
  for (let size = 0, i = 0; size < 1_000_000; i++) {
    const line = `const value${i % 1000} = compute(value${i % 1000}, "(");\n`;
    lines.push(line);
    size += line.length;
  }
  const body = `${lines.join("")}const uniqueIdentifierNearCursor = 1;\n`;
  assert.equal(complete("javascript", `${body}foo(uniqueIdent‸`), "ifierNearCursor");
  assert.equal(complete("javascript", `${body}bar(value7[1‸`), "])");
});

Deno.test("suggestCompletion – ignores identifiers beyond the 200 KB scan window", () => {
  const filler = "x = y;\n".repeat(50_000);
  assert.equal(complete("javascript", `farAwayIdentifier = 1;\n${filler}farAw‸`), "");
  assert.equal(
    complete("javascript", `${filler}nearbyIdentifier = 1;\n${filler}nearb‸`),
    "",
  );
  const closer = "x = y;\n".repeat(10_000);
  assert.equal(
    complete("javascript", `${filler}nearbyIdentifier = 1;\n${closer}nearb‸`),
    "yIdentifier",
  );
});
