import assert from "node:assert/strict";
import { LANGUAGE_IDS, LANGUAGE_INDENT_UNITS } from "./languages.ts";
import { DETECT_SAMPLE_CHARS, detectIndentUnit, reindentSuggestion } from "./indentation.ts";

Deno.test("LANGUAGE_INDENT_UNITS – follows each language's convention", () => {
  assert.equal(LANGUAGE_INDENT_UNITS.python, "    ");
  assert.equal(LANGUAGE_INDENT_UNITS.go, "\t");
  for (const id of ["javascript", "typescript", "json", "html", "css"] as const) {
    assert.equal(LANGUAGE_INDENT_UNITS[id], "  ", id);
  }
  for (const id of ["java", "cpp", "rust"] as const) {
    assert.equal(LANGUAGE_INDENT_UNITS[id], "    ", id);
  }
  for (const id of LANGUAGE_IDS) assert.match(LANGUAGE_INDENT_UNITS[id], /^(\t| {2,4})$/, id);
});

Deno.test("detectIndentUnit – finds spaces, tabs, or nothing to tell by", () => {
  assert.equal(detectIndentUnit("function a() {\n    return 1;\n}\n"), "    ");
  assert.equal(detectIndentUnit("if a:\n  b\n  c\n    d\n"), "  ");
  assert.equal(detectIndentUnit("func a() {\n\tb()\n}\n"), "\t");
  assert.equal(detectIndentUnit("a\nb\n"), null);
  assert.equal(detectIndentUnit(""), null);
});

Deno.test("detectIndentUnit – takes runs wider than 8 spaces for alignment", () => {
  assert.equal(detectIndentUnit("x =\n            1\n"), null);
});

Deno.test("detectIndentUnit – reads only the start of a long document", () => {
  const head = "a\n".repeat(DETECT_SAMPLE_CHARS / 2);
  assert.equal(detectIndentUnit(`${head}if (a) {\n    b();\n}\n`), null);
  assert.equal(detectIndentUnit(`if (a) {\n    b();\n}\n${head}`), "    ");
});

Deno.test("reindentSuggestion – rebuilds each level from the document's unit", () => {
  assert.equal(
    reindentSuggestion(" Name {\n  constructor() {}\n}", { lineIndent: "", unit: "    " }),
    " Name {\n    constructor() {}\n}",
  );
  assert.equal(
    reindentSuggestion(
      " (v) {\n    case v:\n      break;\n  }",
      { lineIndent: "  ", unit: "\t" },
    ),
    " (v) {\n  \tcase v:\n  \t\tbreak;\n  }",
  );
  assert.equal(
    reindentSuggestion(" f() {\n\tg();\n}", { lineIndent: "", unit: "  " }),
    " f() {\n  g();\n}",
  );
});

Deno.test("reindentSuggestion – keeps one-line text, empty lines and alignment", () => {
  assert.equal(reindentSuggestion("Title", { lineIndent: "  ", unit: "\t" }), "Title");
  assert.equal(
    reindentSuggestion(" a {\n\n  b\n}", { lineIndent: "", unit: "\t" }),
    " a {\n\n\tb\n}",
  );
  assert.equal(
    reindentSuggestion(" a(\n  b,\n   c)", { lineIndent: "", unit: "    " }),
    " a(\n    b,\n     c)",
  );
});
