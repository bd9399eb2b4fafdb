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
  for await (const entry of Deno.readDir(new URL("tests/", root))) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(`tests/${entry.name}`, root));
    for (const match of source.matchAll(/Deno\.env\.get\("([A-Z0-9_]+)"\)/g)) {
      variables.add(match[1]);
    }
  }
  assert.ok(variables.has("DATABASE_URL"), "the scan finds what the tests read");
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
