/**
 * Runs every test of the given files by itself (`deno test --filter`), one
 * process each, and fails when any of them fails alone: a test must start
 * what it needs and never count on the tests before it.
 *
 *   deno task test:alone tests/api_test.ts lib/sync/bus_test.ts
 *
 * Test names are read from the source (`Deno.test("…")`, `name: "…"`); a
 * `${…}` in a template name matches anything.
 *
 * @module
 */

/** The names of the `Deno.test` calls in `source`, as anchored regular expressions. */
export function testNamePatterns(source: string): string[] {
  const patterns: string[] = [];
  const call = /Deno\.test\(\s*(?:\{[^]*?\bname:\s*)?(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const match of source.matchAll(call)) {
    const [, quote, raw] = match;
    const parts = quote === "`" ? raw.split(/\$\{[^}]*\}/) : [raw];
    const escaped = parts.map((part) => unescape(part).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    patterns.push(`^${escaped.join(".*")}$`);
  }
  return patterns;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

async function runAlone(file: string, pattern: string): Promise<{ ok: boolean; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--no-check", `--filter=/${pattern}/`, file],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  // A filter that matches nothing passes: count what ran (or was ignored on purpose).
  const summary = output.match(
    /\| (\d+) passed (?:\(\d+ steps?\) )?\| \d+ failed(?: \| (\d+) ignored)?/,
  );
  const ran = summary ? Number(summary[1]) + Number(summary[2] ?? 0) : 0;
  return { ok: code === 0 && ran === 1, output };
}

if (import.meta.main) {
  const files = Deno.args;
  if (!files.length) {
    console.error("Usage: deno task test:alone FILE_test.ts...");
    Deno.exit(2);
  }
  const failed: string[] = [];
  for (const file of files) {
    const patterns = testNamePatterns(await Deno.readTextFile(file));
    if (!patterns.length) {
      console.error(`${file}: no tests found`);
      failed.push(file);
    }
    for (const pattern of patterns) {
      const started = performance.now();
      const { ok, output } = await runAlone(file, pattern);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${ok ? "ok  " : "FAIL"} ${file} /${pattern}/ (${seconds} s)`);
      if (!ok) {
        failed.push(`${file} /${pattern}/`);
        console.log(output.split("\n").slice(-40).join("\n"));
      }
    }
  }
  if (failed.length) {
    console.error(`${failed.length} failed alone:\n${failed.join("\n")}`);
    Deno.exit(1);
  }
  console.log("Every test passed alone.");
}
