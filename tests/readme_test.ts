/**
 * The README's promises that tests can hold: every variable a test reads is
 * in its Test section, and every `npx` command runs without a prompt.
 *
 * @module
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

Deno.test("README – the Test section names every variable the tests read", async () => {
  const testSection = section(readme, "Test");
  const variables = new Set<string>();
  // The tests and the helpers they share with the benchmarks.
  for (const folder of ["tests/", "testing/"]) {
    for await (const entry of Deno.readDir(new URL(folder, root))) {
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const source = await Deno.readTextFile(new URL(`${folder}${entry.name}`, root));
      for (const match of source.matchAll(/Deno\.env\.get\("([A-Z0-9_]+)"\)/g)) {
        variables.add(match[1]);
      }
    }
  }
  assert.ok(variables.has("DATABASE_URL"), "the scan finds what the tests read");
  assert.ok(variables.has("DUET_TEST_SEED"), "and what their shared helpers read");
  const missing = [...variables].filter((name) => !testSection.includes(`\`${name}\``));
  assert.deepEqual(missing, [], "variables the tests read that the README's Test section omits");
});

Deno.test("README – every npx command works in a non-interactive shell", () => {
  const commands = [...readme.matchAll(/`(npx [^`]*)`/g)].map((match) => match[1]);
  assert.ok(commands.length >= 2, "the README gives npx commands");
  // Without --yes, npx asks before fetching a package and, with no terminal
  // to ask, stops: "npx canceled due to missing packages and no YES option".
  const prompting = commands.filter((command) => !/^npx (--yes|-y) /.test(command));
  assert.deepEqual(prompting, []);
});

Deno.test("README and docs/architecture.md – every file they name exists", async () => {
  const missing: string[] = [];
  let named = 0;
  for (const doc of ["README.md", "docs/architecture.md"]) {
    const text = await Deno.readTextFile(new URL(doc, root));
    const paths = text.matchAll(
      /`((?:lib|db|islands|routes|scripts|tests|testing|bench|static|components)\/[^`\s*]+\.(?:tsx?|sql|css|json))`/g,
    );
    for (const [, path] of paths) {
      named++;
      await Deno.stat(new URL(path, root)).catch(() => missing.push(`${doc}: ${path}`));
    }
  }
  assert.ok(named >= 20, "the scan finds the files the docs name");
  assert.deepEqual(missing, []);
});
